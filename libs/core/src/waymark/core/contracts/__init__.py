"""Wire contracts: the Avro codec, schema registry client and wire models."""

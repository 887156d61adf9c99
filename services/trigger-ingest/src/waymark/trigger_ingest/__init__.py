"""trigger-ingest: Segment-style events and provider webhooks onto Kafka."""

"""The journey model: definitions, conditions and validation (no I/O)."""

"""MongoDB through PyMongo's async client; FerretDB-compatible subset only."""

from waymark.core.adapters.mongo.client import DuplicateError, connect, insert_unique

__all__ = ["DuplicateError", "connect", "insert_unique"]

"""Adapters to Kafka and MongoDB."""

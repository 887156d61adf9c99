"""Kafka helpers: topic specs, producer and consumer factories over aiokafka."""

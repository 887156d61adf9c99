"""Logging with PII masking, and every metric in one place."""

"""Waymark core: journeys, the pure engine, contracts, adapters and observability."""

"""Failure handling per provider: backoff with jitter, an adaptive rate limit, a breaker."""

from waymark.channel_dispatch.resilience.backoff import Backoff, parse_retry_after
from waymark.channel_dispatch.resilience.breaker import CircuitBreaker
from waymark.channel_dispatch.resilience.ratelimit import AdaptiveRateLimit

__all__ = ["AdaptiveRateLimit", "Backoff", "CircuitBreaker", "parse_retry_after"]

"""The breaker opens after consecutive failures, waits, lets one probe through, then closes."""

from __future__ import annotations

from waymark.channel_dispatch.resilience import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_consecutive_failures_open_it_and_calls_wait_out_the_reset_time() -> None:
    clock = Clock()
    breaker = CircuitBreaker("push", failures=3, reset_s=10.0, clock=clock)
    breaker.failure()
    breaker.failure()
    assert breaker.permit() == 0.0
    breaker.failure()
    assert breaker.state == "open"
    clock.now = 4.0
    assert breaker.permit() == 6.0


def test_a_success_in_between_resets_the_count() -> None:
    breaker = CircuitBreaker("sms", failures=2, clock=Clock())
    breaker.failure()
    breaker.success()
    breaker.failure()
    assert breaker.state == "closed"


def test_after_the_reset_time_one_probe_goes_and_its_result_decides() -> None:
    clock = Clock()
    breaker = CircuitBreaker("smtp", failures=1, reset_s=10.0, clock=clock)
    breaker.failure()
    clock.now = 10.0
    assert breaker.permit() == 0.0
    assert breaker.state == "half_open"
    assert breaker.permit() > 0, "a second caller waits for the probe"
    breaker.failure()
    assert breaker.state == "open"
    clock.now = 20.0
    assert breaker.permit() == 0.0
    breaker.success()
    assert breaker.state == "closed"
    assert breaker.permit() == 0.0


def test_a_cancelled_probe_frees_the_way_for_the_next() -> None:
    clock = Clock()
    breaker = CircuitBreaker("smtp", failures=1, reset_s=1.0, clock=clock)
    breaker.failure()
    clock.now = 1.0
    assert breaker.permit() == 0.0
    breaker.release()
    assert breaker.permit() == 0.0

"""HTTP provider replies: 429 and 5xx retry (429 halves the rate, Retry-After kept); other 4xx
are final; FCM's UNREGISTERED is a dead token."""

from __future__ import annotations

import pytest

from waymark.channel_dispatch.senders.base import RejectedError, RetryableError
from waymark.channel_dispatch.senders.http import HttpReply
from waymark.channel_dispatch.senders.push import _fcm_error_code


def test_429_is_a_throttle_with_its_retry_after() -> None:
    with pytest.raises(RetryableError) as caught:
        HttpReply(429, {"Retry-After": "3"}, {}).fail()
    assert caught.value.throttled
    assert caught.value.retry_after == 3.0
    assert not caught.value.unhealthy


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_server_errors_retry_and_count_against_the_provider(status: int) -> None:
    with pytest.raises(RetryableError) as caught:
        HttpReply(status, {}, "").fail()
    assert caught.value.unhealthy
    assert caught.value.reason == f"http_{status}"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_client_errors_are_final(status: int) -> None:
    with pytest.raises(RejectedError) as caught:
        HttpReply(status, {}, {"message": "no"}).fail()
    assert caught.value.suppress is None


def test_fcm_error_code_prefers_the_fcm_detail() -> None:
    body = {
        "error": {
            "status": "NOT_FOUND",
            "details": [{"@type": "x.FcmError", "errorCode": "UNREGISTERED"}],
        }
    }
    assert _fcm_error_code(body) == "UNREGISTERED"
    assert _fcm_error_code({"error": {"status": "UNAVAILABLE"}}) == "UNAVAILABLE"
    assert _fcm_error_code("oops") is None

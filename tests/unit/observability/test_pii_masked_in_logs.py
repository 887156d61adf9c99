"""No email address or phone number reaches a log line in clear."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from waymark.core.observability.logging import configure_logging, mask_pii


@pytest.mark.parametrize(
    "text",
    [
        "anna.berg+news@example.com",
        "reply to ops@mail.example.co.uk now",
        "call +49 151 23456789",
        "sms to +14155550123",
        "(415) 555-0123",
    ],
)
def test_mask_pii_hides_addresses_and_numbers(text: str) -> None:
    masked = mask_pii(text)
    assert "@example" not in masked
    assert "23456789" not in masked
    assert "5550123" not in masked
    assert "555-0123" not in masked


@pytest.mark.parametrize(
    "text",
    ["2026-01-05T10:00:00Z", "order 42 shipped", "journey new-customer-onboarding v3", "p99=0.25"],
)
def test_mask_pii_keeps_ordinary_text(text: str) -> None:
    assert mask_pii(text) == text


def _last_json_line(err: str) -> dict[str, object]:
    lines = [line for line in err.splitlines() if line.strip()]
    parsed: dict[str, object] = json.loads(lines[-1])
    return parsed


def test_structlog_line_masks_nested_values(capsys: pytest.CaptureFixture[str]) -> None:
    structlog.reset_defaults()
    configure_logging("test-service", json=True)
    log = structlog.get_logger()
    log.info(
        "profile updated",
        journey_id="welcome",
        traits={"email": "anna@example.com", "phones": ["+49 151 23456789"]},
    )
    err = capsys.readouterr().err
    assert "anna@example.com" not in err
    assert "23456789" not in err
    line = _last_json_line(err)
    assert line["journey_id"] == "welcome"
    assert line["service"] == "test-service"


def test_stdlib_library_logs_are_masked_too(capsys: pytest.CaptureFixture[str]) -> None:
    structlog.reset_defaults()
    configure_logging("test-service", json=True)
    logging.getLogger("some.library").warning("bounce from bob@example.org")
    err = capsys.readouterr().err
    assert "bob@example.org" not in err
    assert "b***@***" in err

"""Unsubscribe tokens name the send and a digest of the address, and only verify when signed."""

from __future__ import annotations

from datetime import UTC, datetime

from waymark.channel_dispatch.suppression import suppression_key
from waymark.channel_dispatch.unsubscribe import UnsubscribeLinks
from waymark.core.contracts import SendCommand

LINKS = UnsubscribeLinks(public_url="https://mail.example/", secret="s3cret", mailto="u@x.example")


def command() -> SendCommand:
    return SendCommand(
        command_id="cmd-9",
        customer_id="c9",
        journey_id="promo",
        journey_version=1,
        entry_id="e9",
        step_id="offer",
        attempt=1,
        channel="email",
        template="offer",
        category="marketing",
        consent_granted=True,
        recipient={"email": "Ann@Example.com"},
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
    )


def test_a_token_round_trips_without_the_address_in_clear() -> None:
    url = LINKS.url(command(), "Ann@Example.com")
    assert url.startswith("https://mail.example/v1/unsubscribe/")
    assert "ann" not in url.lower()
    request = LINKS.verify(url.rsplit("/", 1)[1])
    assert request is not None
    assert (request.customer_id, request.channel, request.command_id) == ("c9", "email", "cmd-9")
    assert request.suppression_key == suppression_key("email", "ann@example.com")


def test_a_changed_or_foreign_token_does_not_verify() -> None:
    token = LINKS.url(command(), "ann@example.com").rsplit("/", 1)[1]
    payload, signature = token.split(".")
    other = UnsubscribeLinks(public_url="https://mail.example", secret="other")
    assert other.verify(token) is None
    assert LINKS.verify(payload + "x." + signature) is None
    assert LINKS.verify(payload + "." + signature[:-2]) is None
    assert LINKS.verify("garbage") is None


def test_headers_offer_one_click_post_and_mailto() -> None:
    assert LINKS.headers("https://mail.example/v1/unsubscribe/t") == [
        (
            "List-Unsubscribe",
            "<https://mail.example/v1/unsubscribe/t>, <mailto:u@x.example?subject=unsubscribe>",
        ),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    ]

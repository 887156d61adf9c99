"""An outcome proves the statuses before it (a click is an open is a delivery is a send); each
message counts once per status, and the rates stay defined when a channel is empty."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from waymark.analytics.documents import message_key, message_status_documents
from waymark.analytics.stats import channel_messages
from waymark.core.contracts import DispatchOutcome

NOW = datetime(2026, 1, 5, 23, 59, tzinfo=UTC)


def _outcome(status: str, command_id: str | None = "cmd-1", **fields: str) -> DispatchOutcome:
    return DispatchOutcome(
        outcome_id=f"o-{status}",
        command_id=command_id,
        customer_id="c1",
        journey_id="welcome",
        journey_version=1,
        step_id="hello",
        channel="email",
        status=status,  # type: ignore[arg-type]
        provider="smtp",
        at=NOW,
        **fields,  # type: ignore[arg-type]
    )


def test_a_click_proves_the_open_the_delivery_and_the_send() -> None:
    documents = message_status_documents(_outcome("clicked"))
    assert [d["_id"] for d in documents] == [
        "cmd-1|clicked",
        "cmd-1|opened",
        "cmd-1|delivered",
        "cmd-1|sent",
    ]
    assert {d["day"] for d in documents} == {"2026-01-05"}


def test_a_bounce_proves_the_send_but_no_delivery() -> None:
    assert [d["status"] for d in message_status_documents(_outcome("bounced"))] == [
        "bounced",
        "sent",
    ]
    assert [d["status"] for d in message_status_documents(_outcome("failed"))] == ["failed"]


def test_a_message_is_its_command_else_the_providers_id_else_the_outcome() -> None:
    assert message_key(_outcome("opened")) == "cmd-1"
    assert message_key(_outcome("opened", None, provider_message_id="pm-9")) == "smtp:pm-9"
    assert message_key(_outcome("opened", None)) == "outcome:o-opened"


def test_rates_are_null_without_a_denominator() -> None:
    empty = channel_messages("sms", Counter())
    assert empty.sent == 0
    assert set(empty.rates.model_dump().values()) == {None}
    mixed = channel_messages("email", Counter(sent=4, delivered=2, opened=1, failed=1))
    assert mixed.rates.delivery_rate == 0.5
    assert mixed.rates.open_rate == 0.5
    assert mixed.rates.click_to_open_rate == 0.0
    assert mixed.rates.failure_rate == 0.2

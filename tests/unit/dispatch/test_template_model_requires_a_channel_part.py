"""The shared Template model: a category, at least one channel part (a webhook part alone is
one), `_id` in MongoDB."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from waymark.core.templates import Template


def test_a_template_round_trips_through_its_document() -> None:
    template = Template.model_validate(
        {
            "id": "welcome-email",
            "category": "marketing",
            "version": 2,
            "updated_at": "2026-01-05T10:00:00Z",
            "channels": {
                "email": {"subject": "Hi", "html": "<p>Hi</p>"},
                "push": {"title": "Hi", "body": "there", "data": {"screen": "home"}},
            },
        }
    )
    document = template.to_document()
    assert document["_id"] == "welcome-email"
    assert "id" not in document
    assert document["updated_at"] == datetime(2026, 1, 5, 10, tzinfo=UTC)
    assert Template.from_document(document) == template


def test_a_webhook_only_template_is_valid_and_round_trips() -> None:
    template = Template.model_validate(
        {"id": "crm-escalation", "category": "transactional", "channels": {"webhook": {}}}
    )
    assert template.channels.webhook is not None
    assert (template.channels.email, template.channels.sms, template.channels.push) == (
        None,
        None,
        None,
    )
    document = template.to_document()
    assert document["channels"]["webhook"] == {}
    assert Template.from_document(document) == template


def test_a_document_without_a_webhook_part_has_no_webhook_key() -> None:
    template = Template.model_validate(
        {"id": "t", "category": "marketing", "channels": {"sms": {"body": "x"}}}
    )
    # A dispatcher that predates the webhook part still reads the document.
    assert "webhook" not in template.to_document()["channels"]


def test_a_template_without_any_part_is_refused_naming_channels() -> None:
    with pytest.raises(ValidationError) as refused:
        Template.model_validate({"id": "t", "category": "marketing", "channels": {}})
    [error] = refused.value.errors()
    assert error["loc"] == ("channels",)
    assert "at least one channel part (email, sms, push or webhook)" in error["msg"]


@pytest.mark.parametrize(
    "channels",
    [
        {},
        {"email": {"subject": "no body"}},
        {"sms": {"body": ""}},
        {"fax": {"body": "x"}},
        {"webhook": {"url": "https://example.org/hook"}},
        {"webhook": None},
    ],
)
def test_invalid_channel_parts_are_refused(channels: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Template.model_validate({"id": "t", "category": "marketing", "channels": channels})


def test_category_and_timezone_are_checked() -> None:
    with pytest.raises(ValidationError):
        Template.model_validate(
            {"id": "t", "category": "promo", "channels": {"sms": {"body": "x"}}}
        )
    with pytest.raises(ValidationError):
        Template.model_validate(
            {
                "id": "t",
                "category": "marketing",
                "channels": {"sms": {"body": "x"}},
                "updated_at": "2026-01-05T10:00:00",
            }
        )

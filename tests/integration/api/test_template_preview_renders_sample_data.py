"""`POST /v1/templates/preview`: a template rendered from sample data in dispatch's sandbox;
a part that does not parse or render is refused naming the part."""

from __future__ import annotations

from typing import Any

import pytest

from .support import Api, template_document

pytestmark = pytest.mark.timeout(60)


def preview(channel: str, **changes: Any) -> dict[str, Any]:
    """A preview request of the sample template with a profile."""
    body: dict[str, Any] = {
        "category": "marketing",
        "channels": template_document("any")["channels"],
        "channel": channel,
        "sample": {"profile": {"first_name": "Ada <3"}},
    }
    body.update(changes)
    return body


async def test_email_renders_escaped_html_and_lists_missing_variables(api: Api) -> None:
    body = preview("email")
    body["channels"]["email"]["text"] = "Hi {{ profile.first_name }}, {{ profile.city }}"
    response = await api.as_role("editor", "POST", "/v1/templates/preview", json=body)
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["parts"] == {
        "subject": "Welcome Ada <3",
        "html": "<p>Hello Ada &lt;3</p>",
        "text": "Hi Ada <3, ",
    }
    assert out["missing"] == ["city"]

    sms = await api.as_role("editor", "POST", "/v1/templates/preview", json=preview("sms"))
    assert sms.json()["parts"] == {"body": "Hi Ada <3"}


async def test_refusals_name_the_part(api: Api) -> None:
    broken = preview("email")
    broken["channels"]["email"]["subject"] = "Hello {{ profile.first_name"
    response = await api.as_role("editor", "POST", "/v1/templates/preview", json=broken)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "channels.email.subject"

    failing = preview("sms")
    failing["channels"]["sms"]["body"] = "{{ 1 // 0 }}"
    response = await api.as_role("editor", "POST", "/v1/templates/preview", json=failing)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "channels.sms.body"
    assert "ZeroDivisionError" in error["reason"]

    unsafe = preview("sms")
    unsafe["channels"]["sms"]["body"] = "{{ profile.__class__.__mro__ }}"
    response = await api.as_role("editor", "POST", "/v1/templates/preview", json=unsafe)
    # The sandbox hides the attribute: it renders as a missing variable, never as internals.
    assert response.status_code == 200
    assert response.json()["parts"] == {"body": ""}

    no_push = await api.as_role("editor", "POST", "/v1/templates/preview", json=preview("push"))
    assert no_push.status_code == 422
    assert no_push.json()["errors"] == [
        {"field": "channel", "reason": "the template has no push part"}
    ]

    # Viewers may preview (as they may simulate); without a token nobody may.
    viewer = await api.as_role("viewer", "POST", "/v1/templates/preview", json=preview("sms"))
    assert viewer.status_code == 200
    anonymous = await api.http.post("/v1/templates/preview", json=preview("sms"))
    assert anonymous.status_code == 401

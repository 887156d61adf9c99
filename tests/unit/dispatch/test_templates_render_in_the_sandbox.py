"""Templates render the command's variables in Jinja2's sandbox; HTML escapes, text does not;
a missing variable renders empty and is counted; an unsafe or broken template fails."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from waymark.channel_dispatch.rendering import Renderer, TemplateRenderError, TemplateSource
from waymark.core.contracts import SendCommand
from waymark.core.observability.metrics import DISPATCH_TEMPLATE_MISSING
from waymark.core.templates import Template


def in_memory(*templates: Template) -> Any:
    """An in-memory stand-in for the templates collection (a fake adapter, not a mock)."""
    documents = {t.id: t.to_document() for t in templates}
    fetched: list[str] = []

    async def fetch(template_id: str) -> Mapping[str, Any] | None:
        fetched.append(template_id)
        return documents.get(template_id)

    fetch.fetched = fetched  # type: ignore[attr-defined]
    return fetch


def email_template(template_id: str, **email: str) -> Template:
    return Template.model_validate(
        {"id": template_id, "category": "marketing", "channels": {"email": email}}
    )


def cmd(template_id: str, channel: str = "email", **recipient: Any) -> SendCommand:
    return SendCommand(
        command_id="cmd-1",
        customer_id="c1",
        journey_id="welcome",
        journey_version=3,
        entry_id="e1",
        step_id="hello",
        attempt=1,
        channel=channel,  # type: ignore[arg-type]
        template=template_id,
        category="marketing",
        consent_granted=True,
        recipient=recipient,
        entry={"name": "signed_up", "properties": {"plan": "pro"}},
        event={"name": "page_viewed", "properties": {"path": "/pricing"}},
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
    )


async def test_profile_event_entry_and_journey_variables_render() -> None:
    template = email_template(
        "hello",
        subject="{{ profile.first_name }} on {{ entry.properties.plan }}",
        text="{{ event.properties.path }} {{ journey.id }} v{{ journey.version }}",
        html="<p>{{ profile.first_name }}</p>",
    )
    rendered = await Renderer(TemplateSource(in_memory(template))).render(
        cmd("hello", first_name="<Ann & co>"), {}
    )
    assert rendered.parts["subject"] == "<Ann & co> on pro"
    assert rendered.parts["text"] == "/pricing welcome v3"
    assert rendered.parts["html"] == "<p>&lt;Ann &amp; co&gt;</p>"


async def test_missing_variables_render_empty_and_are_counted() -> None:
    template = email_template("sparse", subject="Hi {{ profile.nickname }}!", text="{{ a.b.c }}")
    before = DISPATCH_TEMPLATE_MISSING.labels(template="sparse")._value.get()
    rendered = await Renderer(TemplateSource(in_memory(template))).render(cmd("sparse"), {})
    assert rendered.parts["subject"] == "Hi !"
    assert rendered.parts["text"] == ""
    assert DISPATCH_TEMPLATE_MISSING.labels(template="sparse")._value.get() == before + 2


async def test_the_sandbox_refuses_python_internals() -> None:
    template = email_template(
        "evil", subject="x", text="{{ ''.__class__.__base__.__subclasses__() }}"
    )
    with pytest.raises(TemplateRenderError, match=r"^template_error: SecurityError"):
        await Renderer(TemplateSource(in_memory(template))).render(cmd("evil"), {})


async def test_unknown_templates_and_missing_channel_parts_fail_with_the_cause() -> None:
    renderer = Renderer(TemplateSource(in_memory(email_template("mail", subject="s", text="t"))))
    with pytest.raises(TemplateRenderError, match=r"^template_not_found$"):
        await renderer.render(cmd("nope"), {})
    with pytest.raises(TemplateRenderError, match=r"^template_has_no_sms$"):
        await renderer.render(cmd("mail", channel="sms"), {})


async def test_templates_are_cached_for_their_ttl() -> None:
    fetch = in_memory(email_template("cached", subject="s", text="t"))
    now = [0.0]
    renderer = Renderer(TemplateSource(fetch, ttl_s=30.0, clock=lambda: now[0]))
    await renderer.render(cmd("cached"), {})
    await renderer.render(cmd("cached"), {})
    assert fetch.fetched == ["cached"]
    now[0] = 31.0
    await renderer.render(cmd("cached"), {})
    assert fetch.fetched == ["cached", "cached"]

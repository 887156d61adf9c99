"""From a command to the message its sender takes: render, compose, sign."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any

from waymark.channel_dispatch.mime import compose, message_id_for
from waymark.channel_dispatch.rendering import Renderer, TemplateRenderError
from waymark.channel_dispatch.senders.base import Email, Message, Push, Sms, Webhook
from waymark.channel_dispatch.unsubscribe import UnsubscribeLinks
from waymark.core.contracts import SendCommand

__all__ = ["MessageBuilder"]


def _with_footer(text: str | None, html: str | None, url: str) -> tuple[str | None, str | None]:
    """Bodies that show the unsubscribe link, added as a footer where the template has none."""
    if text is not None and url not in text:
        text = f"{text.rstrip()}\n\n--\nUnsubscribe: {url}\n"
    if html is not None and escape(url) not in html and url not in html:
        footer = f'<p style="font-size:12px"><a href="{escape(url)}">Unsubscribe</a></p>'
        lowered = html.lower()
        at = lowered.rfind("</body>")
        html = f"{html[:at]}{footer}{html[at:]}" if at >= 0 else f"{html}{footer}"
    return text, html


def webhook_document(command: SendCommand) -> dict[str, Any]:
    """The JSON a webhook send posts: the command's context (the receiver renders itself)."""
    return {
        "command_id": command.command_id,
        "customer_id": command.customer_id,
        "journey_id": command.journey_id,
        "journey_version": command.journey_version,
        "entry_id": command.entry_id,
        "step_id": command.step_id,
        "template": command.template,
        "category": command.category,
        "recipient": command.recipient,
        "entry": command.entry,
        "event": command.event,
        "created_at": command.created_at.isoformat(),
        "test": command.test,
    }


class MessageBuilder:
    """Builds the message of each channel; marketing email gets its unsubscribe link."""

    def __init__(
        self,
        *,
        renderer: Renderer,
        links: UnsubscribeLinks,
        mail_from: str,
        message_id_domain: str,
        clock: Callable[[], datetime],
    ) -> None:
        """Emails come from `mail_from` with Message-IDs under `message_id_domain`."""
        self._renderer = renderer
        self._links = links
        self._from = mail_from
        self._domain = message_id_domain
        self._clock = clock

    async def build(self, command: SendCommand, address: str | None) -> Message:
        """The message for `address` (None only for webhooks); raises TemplateRenderError."""
        if command.channel == "webhook":
            body = json.dumps(webhook_document(command), separators=(",", ":"), default=str)
            return Webhook(body=body.encode())
        if address is None:
            raise ValueError(f"a {command.channel} message needs an address")
        marketing_email = command.channel == "email" and command.category == "marketing"
        url = self._links.url(command, address) if marketing_email else None
        rendered = await self._renderer.render(
            command, {"unsubscribe_url": url} if url is not None else {}
        )
        parts = rendered.parts
        if command.channel == "sms":
            body = (parts.get("body") or "").strip()
            if not body:
                raise TemplateRenderError("template_rendered_empty")
            return Sms(to=address, body=body)
        if command.channel == "push":
            return Push(
                token=address,
                title=parts.get("title") or "",
                body=parts.get("body") or "",
                data=dict(rendered.data),
            )
        text, html = parts.get("text"), parts.get("html")
        headers: list[tuple[str, str]] = []
        if url is not None:
            text, html = _with_footer(text, html, url)
            headers = self._links.headers(url)
        if not (text or "").strip() and not (html or "").strip():
            raise TemplateRenderError("template_rendered_empty")
        message_id = message_id_for(command.command_id, self._domain)
        data = compose(
            sender=self._from,
            to=address,
            subject=parts.get("subject") or "",
            text=text,
            html=html,
            message_id=message_id,
            date=self._clock(),
            headers=headers,
        )
        return Email(recipient=address, sender=self._from, data=data, message_id=message_id)

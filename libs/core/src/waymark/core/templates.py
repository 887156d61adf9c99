"""Message templates: what the management API stores and channel-dispatch renders.

A template is one MongoDB document in the `templates` collection, `_id` = the template id:

```json
{"_id": "welcome-email", "category": "marketing", "version": 3,
 "updated_at": "2026-01-05T10:00:00Z",
 "channels": {
   "email": {"subject": "Welcome {{ profile.first_name }}",
             "html": "<p>Hello {{ profile.first_name }}</p>",
             "text": "Hello {{ profile.first_name }}"},
   "sms": {"body": "Hi {{ profile.first_name }}"},
   "push": {"title": "Welcome", "body": "Hi {{ profile.first_name }}", "data": {"screen": "home"}}}}
```

Every string is a Jinja2 template rendered in a sandbox with the variables `profile`, `event`,
`entry`, `journey` and, for marketing email, `unsubscribe_url`. A `webhook` part (`{}`) has
nothing to render: a webhook send posts the command's context, signed, and the receiver
renders it; the part says the template may be sent on that channel, alone or beside others.
`to_document`/`from_document` map `id` to and from `_id`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "EmailPart",
    "PushPart",
    "SmsPart",
    "Template",
    "TemplateCategory",
    "TemplateChannels",
    "WebhookPart",
]

TemplateCategory = Literal["marketing", "transactional"]
"""Marketing templates need consent and carry an unsubscribe link; transactional ones do not."""

_STRICT = ConfigDict(extra="forbid", frozen=True)


class EmailPart(BaseModel):
    """An email: subject, and an HTML body, a text body or both (sent as multipart)."""

    model_config = _STRICT

    subject: str = Field(min_length=1, description="the subject line")
    html: str | None = Field(default=None, description="the HTML body (autoescaped)")
    text: str | None = Field(default=None, description="the plain-text body")

    @model_validator(mode="after")
    def _has_a_body(self) -> EmailPart:
        if not self.html and not self.text:
            raise ValueError("an email needs an html body, a text body or both")
        return self


class SmsPart(BaseModel):
    """A text message."""

    model_config = _STRICT

    body: str = Field(min_length=1, description="the message text")


class PushPart(BaseModel):
    """A push notification: title, body and an optional data payload of strings."""

    model_config = _STRICT

    title: str = Field(min_length=1)
    body: str = Field(min_length=1)
    data: dict[str, str] = Field(
        default_factory=dict, description="key-value payload for the app; values are templates"
    )


class WebhookPart(BaseModel):
    """A webhook: nothing to render, dispatch posts the command's context (see `webhook_document`
    in channel-dispatch); present, it lets the template be sent on the `webhook` channel."""

    model_config = _STRICT


class TemplateChannels(BaseModel):
    """The parts of a template, one per channel it can be sent on."""

    model_config = _STRICT

    email: EmailPart | None = None
    sms: SmsPart | None = None
    push: PushPart | None = None
    webhook: WebhookPart | None = None

    @model_validator(mode="after")
    def _has_a_part(self) -> TemplateChannels:
        if self.email is None and self.sms is None and self.push is None and self.webhook is None:
            raise ValueError(
                "a template needs at least one channel part (email, sms, push or webhook)"
            )
        return self


class Template(BaseModel):
    """A message template with a category and per-channel parts, versioned."""

    model_config = _STRICT

    id: str = Field(
        min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="slug"
    )
    category: TemplateCategory
    channels: TemplateChannels
    version: int = Field(default=1, ge=1, description="raised by the management API on change")
    updated_at: AwareDatetime | None = Field(default=None, description="last change (UTC)")

    def to_document(self) -> dict[str, Any]:
        """The MongoDB document: `_id` = id, datetimes kept as datetimes."""
        body = self.model_dump(mode="python")
        body["_id"] = body.pop("id")
        if body["channels"]["webhook"] is None:
            # Documents without a webhook part stay as they were, so a dispatcher that predates
            # the part still reads them during a rolling update.
            del body["channels"]["webhook"]
        return body

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Template:
        """A template from its MongoDB document (`_id` = id)."""
        body = dict(document)
        body["id"] = body.pop("_id")
        return cls.model_validate(body)

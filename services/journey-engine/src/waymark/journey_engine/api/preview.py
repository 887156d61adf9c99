"""A template rendered from sample data, as channel-dispatch would render it.

The environments are the ones dispatch renders with: Jinja2's sandbox, HTML autoescaped and
text not, and a missing variable rendering empty while it is noted, so the preview can list
the variables the sample lacks.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Annotated, Any, Literal

from jinja2 import ChainableUndefined
from jinja2.sandbox import SandboxedEnvironment
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from waymark.core.templates import Template, TemplateCategory, TemplateChannels
from waymark.journey_engine.api.bodies import bounded_json
from waymark.journey_engine.api.errors import FieldError, InvalidError
from waymark.journey_engine.api.template_store import checked_template

__all__ = ["PreviewSample", "TemplatePreviewIn", "TemplatePreviewOut", "render_preview"]

PreviewChannel = Literal["email", "sms", "push"]
_Object = Annotated[dict[str, Any], AfterValidator(bounded_json)]
_UNSUBSCRIBE = "https://unsubscribe.example/preview"

_missing: ContextVar[list[str] | None] = ContextVar("waymark_preview_missing", default=None)


class _Missing(ChainableUndefined):
    """An undefined variable: renders empty and is noted."""

    __slots__ = ()

    def __str__(self) -> str:
        noted = _missing.get()
        if noted is not None:
            noted.append(str(self._undefined_name))
        return ""

    def __html__(self) -> str:
        return str(self)


_TEXT = SandboxedEnvironment(autoescape=False, undefined=_Missing)
_HTML = SandboxedEnvironment(autoescape=True, undefined=_Missing)


class PreviewSample(BaseModel):
    """The variables of the preview: a profile, the event being handled and the entry event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: _Object = Field(default_factory=dict)
    event: _Object = Field(default_factory=dict)
    entry: _Object = Field(default_factory=dict)


class TemplatePreviewIn(BaseModel):
    """A template's parts (saved or not), the channel to render and the sample data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    category: TemplateCategory = "marketing"
    channels: TemplateChannels
    channel: PreviewChannel
    sample: PreviewSample = Field(default_factory=PreviewSample)


class TemplatePreviewOut(BaseModel):
    """The rendered parts of one channel, and the variables the sample did not have."""

    model_config = ConfigDict(frozen=True)

    channel: PreviewChannel
    parts: dict[str, str | None] = Field(
        description="email: subject, html, text; sms: body; push: title, body"
    )
    data: dict[str, str] = Field(description="push data, rendered")
    missing: list[str] = Field(description="variables the templates use that the sample lacks")


def _sources(body: TemplatePreviewIn) -> dict[str, tuple[str | None, bool]]:
    """Part name → (source, is HTML) of the chosen channel; 422 when the template has none."""
    channels = body.channels
    if body.channel == "email" and channels.email is not None:
        email = channels.email
        return {
            "subject": (email.subject, False),
            "html": (email.html, True),
            "text": (email.text, False),
        }
    if body.channel == "sms" and channels.sms is not None:
        return {"body": (channels.sms.body, False)}
    if body.channel == "push" and channels.push is not None:
        return {"title": (channels.push.title, False), "body": (channels.push.body, False)}
    raise InvalidError(f"the template has no {body.channel} part", "channel")


def render_preview(body: TemplatePreviewIn) -> TemplatePreviewOut:
    """Render the channel's parts with the sample; 400/422 naming the part that fails."""
    # The same parse check as at save: a part that does not parse is a 400 naming it.
    checked_template(Template(id="preview", category=body.category, channels=body.channels))
    variables: dict[str, Any] = {
        "profile": body.sample.profile,
        "event": body.sample.event,
        "entry": body.sample.entry,
        "journey": {"id": "preview", "version": 1, "step_id": "preview", "attempt": 0},
        "command_id": "preview",
    }
    if body.channel == "email" and body.category == "marketing":
        variables["unsubscribe_url"] = _UNSUBSCRIBE
    noted: list[str] = []
    token = _missing.set(noted)
    parts: dict[str, str | None] = {}
    data: dict[str, str] = {}
    field = f"channels.{body.channel}"
    try:
        for name, (source, html) in _sources(body).items():
            field = f"channels.{body.channel}.{name}"
            environment = _HTML if html else _TEXT
            parts[name] = environment.from_string(source).render(variables) if source else None
        if body.channel == "push" and body.channels.push is not None:
            for key, source in body.channels.push.data.items():
                field = f"channels.push.data.{key}"
                data[key] = _TEXT.from_string(source).render(variables)
    except InvalidError:
        raise
    except Exception as exc:  # SecurityError, TypeError, ZeroDivisionError... from the template
        raise InvalidError.of(
            [FieldError(field=field, reason=f"does not render: {type(exc).__name__}: {exc}")]
        ) from None
    finally:
        _missing.reset(token)
    return TemplatePreviewOut(
        channel=body.channel, parts=parts, data=data, missing=sorted(set(noted))
    )

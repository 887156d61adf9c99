"""Templates from MongoDB, rendered in Jinja2's sandbox with the command's variables.

Variables: `profile` (the recipient snapshot), `event`, `entry`, `journey` (`id`, `version`,
`step_id`, `entry_id`, `attempt`), `command_id` and, in marketing email, `unsubscribe_url`.
A missing variable renders empty and counts in a warning metric; a template that fails to
render fails the command with the cause.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import structlog
from jinja2 import ChainableUndefined, TemplateError
from jinja2 import Template as JinjaTemplate
from jinja2.sandbox import SandboxedEnvironment
from pymongo.asynchronous.database import AsyncDatabase

from waymark.channel_dispatch.storage import with_retries
from waymark.core.contracts import SendCommand
from waymark.core.observability.metrics import DISPATCH_TEMPLATE_MISSING
from waymark.core.templates import Template

__all__ = ["Rendered", "Renderer", "TemplateRenderError", "TemplateSource", "mongo_templates"]

log = structlog.get_logger(__name__)

_missing: ContextVar[list[str] | None] = ContextVar("waymark_dispatch_missing", default=None)


class _Missing(ChainableUndefined):
    """An undefined variable: renders empty and is noted, so the render can report it."""

    __slots__ = ()

    def __str__(self) -> str:
        noted = _missing.get()
        if noted is not None:
            noted.append(str(self._undefined_name))
        return ""

    def __html__(self) -> str:
        return str(self)


class TemplateRenderError(Exception):
    """The command cannot be rendered; `reason` is the outcome's cause."""

    def __init__(self, reason: str) -> None:
        """`reason` becomes the failed outcome's reason."""
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Rendered:
    """The rendered parts of one channel: `subject`, `html`, `text`, `body`, `title`, `data`."""

    parts: Mapping[str, str | None]
    data: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Compiled:
    template: Template
    fetched_at: float
    parts: dict[str, dict[str, JinjaTemplate | None]]
    data: dict[str, JinjaTemplate]


Fetch = Callable[[str], Awaitable[Mapping[str, Any] | None]]
"""Looks a template document up by id (None when there is none)."""


def mongo_templates(database: AsyncDatabase[dict[str, Any]]) -> Fetch:
    """Template documents from the `templates` collection the management API writes."""
    collection = database["templates"]

    async def fetch(template_id: str) -> Mapping[str, Any] | None:
        found: dict[str, Any] | None = await with_retries(
            lambda: collection.find_one({"_id": template_id}), what="read template"
        )
        return found

    return fetch


class TemplateSource:
    """Templates by id, cached for `ttl_s` and compiled once per version."""

    def __init__(
        self,
        fetch: Fetch,
        *,
        ttl_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Look templates up with `fetch` (`mongo_templates(database)` in production)."""
        self._fetch = fetch
        self._ttl = ttl_s
        self._clock = clock
        self._cache: dict[str, _Compiled | None] = {}
        self._fetched: dict[str, float] = {}
        self._loading: dict[str, asyncio.Future[_Compiled | None]] = {}
        self._text = SandboxedEnvironment(autoescape=False, undefined=_Missing)
        self._html = SandboxedEnvironment(autoescape=True, undefined=_Missing)

    async def get(self, template_id: str) -> _Compiled | None:
        """The compiled template, or None when there is no such template."""
        fetched = self._fetched.get(template_id)
        if fetched is not None and self._clock() - fetched < self._ttl:
            return self._cache[template_id]
        loading = self._loading.get(template_id)
        if loading is not None:
            return await asyncio.shield(loading)
        future: asyncio.Future[_Compiled | None] = asyncio.get_running_loop().create_future()
        self._loading[template_id] = future
        try:
            compiled = await self._load(template_id)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # consumed here; waiters re-raise it
            raise
        finally:
            del self._loading[template_id]
        future.set_result(compiled)
        return compiled

    async def _load(self, template_id: str) -> _Compiled | None:
        doc = await self._fetch(template_id)
        previous = self._cache.get(template_id)
        if doc is None:
            compiled = None
        else:
            try:
                template = Template.from_document(doc)
            except ValueError as exc:
                raise TemplateRenderError(f"template_invalid: {exc}"[:300]) from exc
            same = previous is not None and previous.template == template
            compiled = previous if same else self._compile(template)
        self._cache[template_id] = compiled
        self._fetched[template_id] = self._clock()
        return compiled

    def _compile(self, template: Template) -> _Compiled:
        parts: dict[str, dict[str, JinjaTemplate | None]] = {}
        data: dict[str, JinjaTemplate] = {}
        try:
            channels = template.channels
            if channels.email is not None:
                email = channels.email
                parts["email"] = {
                    "subject": self._text.from_string(email.subject),
                    "html": self._html.from_string(email.html) if email.html else None,
                    "text": self._text.from_string(email.text) if email.text else None,
                }
            if channels.sms is not None:
                parts["sms"] = {"body": self._text.from_string(channels.sms.body)}
            if channels.push is not None:
                push = channels.push
                parts["push"] = {
                    "title": self._text.from_string(push.title),
                    "body": self._text.from_string(push.body),
                }
                data = {key: self._text.from_string(value) for key, value in push.data.items()}
        except TemplateError as exc:
            reason = f"template_error: {type(exc).__name__}: {exc}"
            raise TemplateRenderError(reason[:300]) from exc
        return _Compiled(template, self._clock(), parts, data)


def context_of(command: SendCommand, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The variables a command's templates see."""
    return {
        "profile": command.recipient,
        "event": command.event or {},
        "entry": command.entry,
        "journey": {
            "id": command.journey_id,
            "version": command.journey_version,
            "step_id": command.step_id,
            "entry_id": command.entry_id,
            "attempt": command.attempt,
        },
        "command_id": command.command_id,
        **extra,
    }


class Renderer:
    """Renders one channel of a command's template."""

    def __init__(self, source: TemplateSource) -> None:
        """Render templates from `source`."""
        self._source = source

    async def render(self, command: SendCommand, extra: Mapping[str, Any]) -> Rendered:
        """The rendered parts of the command's channel; TemplateRenderError when impossible."""
        compiled = await self._source.get(command.template)
        if compiled is None:
            raise TemplateRenderError("template_not_found")
        parts = compiled.parts.get(command.channel)
        if parts is None:
            raise TemplateRenderError(f"template_has_no_{command.channel}")
        variables = context_of(command, extra)
        noted: list[str] = []
        token = _missing.set(noted)
        try:
            rendered = {
                name: (part.render(variables) if part is not None else None)
                for name, part in parts.items()
            }
            data = (
                {key: part.render(variables) for key, part in compiled.data.items()}
                if command.channel == "push"
                else {}
            )
        except Exception as exc:  # TemplateError, SecurityError, or a division by zero...
            raise TemplateRenderError(f"template_error: {type(exc).__name__}: {exc}"[:300]) from exc
        finally:
            _missing.reset(token)
        if noted:
            DISPATCH_TEMPLATE_MISSING.labels(template=command.template).inc(len(noted))
            log.warning(
                "template_variables_missing",
                template=command.template,
                variables=sorted(set(noted))[:20],
                command_id=command.command_id,
            )
        return Rendered(parts=rendered, data=data)

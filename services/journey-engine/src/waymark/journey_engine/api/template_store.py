"""Templates in MongoDB (`templates`, `_id` = template id), and their checks at save.

The model and its document form are `waymark.core.templates`, shared with channel-dispatch,
which reads the same documents to render; this module stores, lists and checks them. Every
part is parsed by the same sandboxed Jinja2 environment dispatch renders with, so a template
that saves is one dispatch can parse.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from waymark.core.adapters.mongo import insert_unique
from waymark.core.journeys import Category
from waymark.core.templates import Template
from waymark.journey_engine.api.errors import ApiError, FieldError, InvalidError

__all__ = ["TemplatePartError", "TemplateStore", "checked_template", "part_errors"]

_ENVIRONMENT = SandboxedEnvironment(autoescape=True)


class TemplatePartError(ApiError):
    """A template part does not parse (400), naming the field, line and reason."""

    status = 400


def _data_path(key: str) -> str:
    plain = key.replace("_", "a").replace("-", "a").isalnum()
    return f"channels.push.data.{key}" if plain else f"channels.push.data[{key!r}]"


def _parts(template: Template) -> Iterator[tuple[str, str]]:
    channels = template.channels
    if channels.email is not None:
        yield "channels.email.subject", channels.email.subject
        if channels.email.html is not None:
            yield "channels.email.html", channels.email.html
        if channels.email.text is not None:
            yield "channels.email.text", channels.email.text
    if channels.sms is not None:
        yield "channels.sms.body", channels.sms.body
    if channels.push is not None:
        yield "channels.push.title", channels.push.title
        yield "channels.push.body", channels.push.body
        for key, value in channels.push.data.items():
            yield _data_path(key), value


def part_errors(template: Template) -> list[FieldError]:
    """Every part that does not parse as a Jinja2 template, with its field path and line."""
    errors: list[FieldError] = []
    for path, source in _parts(template):
        try:
            _ENVIRONMENT.parse(source)
        except TemplateSyntaxError as exc:
            errors.append(FieldError(field=path, reason=f"line {exc.lineno}: {exc.message}"))
        except RecursionError:
            errors.append(FieldError(field=path, reason="the template is nested too deeply"))
    return errors


def checked_template(template: Template) -> Template:
    """The template when it can be stored and parsed; 422 or 400 naming the field otherwise."""
    if template.channels.push is not None:
        for key in template.channels.push.data:
            # Data keys become MongoDB field names, which cannot hold these.
            if "." in key or key.startswith("$") or "\x00" in key:
                raise InvalidError(
                    f"data key {key!r} must not contain '.' or NUL, nor start with '$'",
                    "channels.push.data",
                )
    errors = part_errors(template)
    if errors:
        raise TemplatePartError.of(errors)
    return template


class TemplateStore:
    """CRUD of templates, and the catalog of ids and categories journeys are checked against."""

    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        """Use the `templates` collection of `database`."""
        self._templates = database["templates"]

    async def ensure_indexes(self) -> None:
        """The index the category filter uses; idempotent."""
        await self._templates.create_index([("category", ASCENDING)])

    async def catalog(self) -> dict[str, Category]:
        """Template id → category, for journey validation."""
        cursor = self._templates.find({}, {"_id": 1, "category": 1})
        return {doc["_id"]: doc["category"] async for doc in cursor}

    async def find(self, category: Category | None = None) -> list[Template]:
        """Templates by id, of one category when given."""
        query = {"category": category} if category is not None else {}
        cursor = self._templates.find(query).sort("_id", ASCENDING)
        return [Template.from_document(doc) async for doc in cursor]

    async def get(self, template_id: str) -> Template | None:
        """The template, or None."""
        doc = await self._templates.find_one({"_id": template_id})
        return Template.from_document(doc) if doc is not None else None

    async def insert(self, template: Template, *, now: datetime) -> Template:
        """Store a new template as version 1; DuplicateError when the id is taken."""
        stored = template.model_copy(update={"version": 1, "updated_at": now})
        await insert_unique(self._templates, stored.to_document())
        return stored

    async def replace(self, template: Template, *, current: int, now: datetime) -> Template | None:
        """Store `template` as the version after `current`; None when that is not the latest."""
        stored = template.model_copy(update={"version": current + 1, "updated_at": now})
        # Conditional on the version read: of two concurrent saves, the second one is refused.
        result = await self._templates.replace_one(
            {"_id": template.id, "version": current}, stored.to_document()
        )
        return stored if result.matched_count == 1 else None

    async def delete(self, template_id: str) -> bool:
        """Delete a template; False when there is none."""
        result = await self._templates.delete_one({"_id": template_id})
        return result.deleted_count == 1

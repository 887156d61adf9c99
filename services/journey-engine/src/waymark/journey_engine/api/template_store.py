"""Templates in MongoDB (`templates`, `_id` = template id), and their syntax check at save.

The model is `waymark.core.templates.Template`, shared with channel-dispatch, which reads the
same documents to render; this module only stores, lists and checks them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from waymark.core.adapters.mongo import insert_unique
from waymark.core.journeys import Category
from waymark.core.templates import Template
from waymark.journey_engine.api.errors import ApiError, FieldError

__all__ = ["TemplateStore", "TemplateSyntaxInvalid", "syntax_errors"]

# Parsing only: nothing is rendered here, but the sandbox is what dispatch renders with,
# so a template accepted here cannot use a construct the sandbox would refuse at parse time.
_ENVIRONMENT = SandboxedEnvironment(autoescape=True)


class TemplateSyntaxInvalid(ApiError):
    """A template part does not parse (400), naming the field, line and reason."""

    status = 400


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def syntax_errors(template: Template) -> list[FieldError]:
    """Every channel part that does not parse as a template, with its field path."""
    document = template.model_dump(mode="json")
    errors: list[FieldError] = []
    for path, source in _strings(document.get("channels", {}), "channels"):
        try:
            _ENVIRONMENT.parse(source)
        except TemplateSyntaxError as exc:
            errors.append(FieldError(field=path, reason=f"line {exc.lineno}: {exc.message}"))
    return errors


def _document(template: Template) -> dict[str, Any]:
    body = template.model_dump(mode="json")
    body["_id"] = body.pop("id")
    return body


def _template(document: Mapping[str, Any]) -> Template:
    body = dict(document)
    body["id"] = body.pop("_id")
    return Template.model_validate(body)


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

    async def list(self, category: Category | None = None) -> list[Template]:
        """Templates by id, of one category when given."""
        query = {"category": category} if category is not None else {}
        cursor = self._templates.find(query).sort("_id", ASCENDING)
        return [_template(doc) async for doc in cursor]

    async def get(self, template_id: str) -> Template | None:
        """The template, or None."""
        doc = await self._templates.find_one({"_id": template_id})
        return _template(doc) if doc is not None else None

    async def insert(self, template: Template) -> None:
        """Insert a new template; DuplicateError when the id is taken."""
        await insert_unique(self._templates, _document(template))

    async def replace(self, template: Template) -> bool:
        """Replace an existing template; False when there is none."""
        result = await self._templates.replace_one({"_id": template.id}, _document(template))
        return result.matched_count == 1

    async def delete(self, template_id: str) -> bool:
        """Delete a template; False when there is none."""
        result = await self._templates.delete_one({"_id": template_id})
        return result.deleted_count == 1

"""The base of every journey definition model, and unions keyed by which key is present."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator
from pydantic_core import PydanticCustomError

__all__ = ["UNION_TAGS", "DefinitionModel", "KeyedUnion"]

UNION_TAGS: set[str] = set()
"""Tags of the keyed unions; they appear in pydantic error locations and are not paths."""


class DefinitionModel(BaseModel):
    """A part of a journey definition: immutable, and unknown keys are an error."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with `update`, lookups cached from the old field values are dropped."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            _drop_cached(copied)
        return copied

    def __getstate__(self) -> dict[Any, Any]:
        """Pickle the fields only: cached lookups and compiled predicates are rebuilt."""
        state = super().__getstate__()
        fields = type(self).model_fields
        state["__dict__"] = {k: v for k, v in state["__dict__"].items() if k in fields}
        return state


def _drop_cached(model: BaseModel) -> None:
    fields = type(model).model_fields
    for name in [name for name in model.__dict__ if name not in fields]:
        del model.__dict__[name]


def _listing(words: Sequence[str]) -> str:
    quoted = [f"'{word}'" for word in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


class KeyedUnion:
    """Builds the validators of a union whose member is chosen by the one key present."""

    def __init__(self, what: str, members: Mapping[str, type[BaseModel]]) -> None:
        """`what` names the thing in messages; `members` maps each key to its model."""
        self.what = what
        self.keys = tuple(members)
        self.tag_of_key = {key: model.__name__ for key, model in members.items()}
        self.tag_of_type: dict[type[BaseModel], str] = {
            model: model.__name__ for model in members.values()
        }
        UNION_TAGS.update(self.tag_of_key.values())

    def choices(self) -> str:
        """The keys as a readable list: `'send', 'wait' or 'exit'`."""
        quoted = [f"'{key}'" for key in self.keys]
        return ", ".join(quoted[:-1]) + " or " + quoted[-1]

    def check(self, value: Any) -> Any:
        """Reject a mapping that has none or several of the keys, with a sentence."""
        if isinstance(value, BaseModel):
            return value
        if not isinstance(value, Mapping):
            raise PydanticCustomError(
                "keyed_union_type",
                "{what} is a mapping with one of {choices}, not {value}",
                {"what": self.what, "choices": self.choices(), "value": repr(value)},
            )
        present = [key for key in self.keys if key in value]
        if not present:
            found = [str(key) for key in value]
            detail = f"found {_listing(found)}" if found else "found an empty mapping"
            raise PydanticCustomError(
                "keyed_union_none",
                "{what} needs one of {choices}; {detail}",
                {"what": self.what, "choices": self.choices(), "detail": detail},
            )
        if len(present) > 1:
            raise PydanticCustomError(
                "keyed_union_several",
                "{what} has exactly one of {choices}, but this one has {present}",
                {"what": self.what, "choices": self.choices(), "present": _listing(present)},
            )
        return value

    def tag(self, value: Any) -> str | None:
        """The union tag of a mapping (by key) or of an already built model (by type)."""
        if isinstance(value, Mapping):
            for key in self.keys:
                if key in value:
                    return self.tag_of_key[key]
            return None
        return self.tag_of_type.get(type(value))

    @property
    def discriminator(self) -> Discriminator:
        """The `Annotated` discriminator choosing the member by key or by type."""
        return Discriminator(self.tag)

    @property
    def validator(self) -> BeforeValidator:
        """The `Annotated` check that exactly one of the keys is present."""
        return BeforeValidator(self.check)

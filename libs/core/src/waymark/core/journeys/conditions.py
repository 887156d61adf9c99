"""Conditions: the model of `{all|any|not|attr|event: …}` and its compiled predicates."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cached_property
from typing import Annotated, Any, Literal, TypeAlias, Union, get_args

from pydantic import (
    Field,
    GetJsonSchemaHandler,
    Tag,
    TypeAdapter,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from waymark.core.journeys.base import DefinitionModel, KeyedUnion
from waymark.core.journeys.comparisons import operator_test, same_value
from waymark.core.journeys.paths import (
    ConditionContext,
    EventView,
    Predicate,
    Resolver,
    path_problem,
    resolver,
)

__all__ = [
    "OPERATORS",
    "AllCondition",
    "AnyCondition",
    "AttrCondition",
    "Condition",
    "ConditionContext",
    "EventCondition",
    "EventView",
    "NotCondition",
    "Operator",
    "Predicate",
    "Resolver",
    "canonical_key",
    "compile_condition",
    "compile_match",
    "condition_document",
    "parse_condition",
    "path_problem",
    "referenced_events",
    "resolver",
]

Operator = Literal[
    "eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "contains", "starts_with", "exists"
]
OPERATORS: tuple[Operator, ...] = get_args(Operator)
"""Every operator of an attribute condition, in the order JOURNEYS.md lists them."""
_OPERATOR_LIST = ", ".join(OPERATORS)


class _ConditionBase(DefinitionModel):
    @cached_property
    def predicate(self) -> Predicate:
        """This condition compiled (once per distinct condition)."""
        return _compile_shared(self)  # type: ignore[arg-type]


class AllCondition(_ConditionBase):
    """True when every condition in `all` holds (an empty list holds)."""

    all: list[Condition]


class AnyCondition(_ConditionBase):
    """True when at least one condition in `any` holds."""

    any: list[Condition]


class NotCondition(_ConditionBase):
    """True when the condition under `not` does not hold."""

    not_: Condition = Field(alias="not")


class EventCondition(_ConditionBase):
    """True for the input event named `event` when `where` (if any) holds."""

    event: str = Field(min_length=1)
    where: Condition | None = None


class AttrCondition(_ConditionBase):
    """`{attr: PATH, OP: VALUE}`: compares one attribute with one operator."""

    attr: str
    op: Operator
    value: Any = None

    @model_validator(mode="before")
    @classmethod
    def _from_document(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or "op" in data:
            return data
        ops = [key for key in data if key in OPERATORS]
        unknown = [str(key) for key in data if key != "attr" and key not in OPERATORS]
        if unknown:
            raise PydanticCustomError(
                "condition_operator_unknown",
                "'{key}' is not an operator; use one of {ops}",
                {"key": unknown[0], "ops": _OPERATOR_LIST},
            )
        if len(ops) != 1:
            found = "none" if not ops else " and ".join(ops)
            raise PydanticCustomError(
                "condition_operator_count",
                "an attribute condition has exactly one operator of {ops}; found {found}",
                {"ops": _OPERATOR_LIST, "found": found},
            )
        if "attr" not in data:
            raise PydanticCustomError(
                "condition_attr_missing", "an attribute condition needs 'attr'"
            )
        return {"attr": data["attr"], "op": ops[0], "value": data[ops[0]]}

    @model_validator(mode="after")
    def _check_value(self) -> AttrCondition:
        problem = path_problem(self.attr)
        if problem is not None:
            raise PydanticCustomError("condition_path", problem)
        reason = _value_problem(self.op, self.value)
        if reason is not None:
            raise PydanticCustomError("condition_value", reason)
        return self

    @model_serializer(mode="plain")
    def _to_document(self) -> dict[str, Any]:
        return {"attr": self.attr, self.op: self.value}

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The document shape: `attr` and exactly one operator key."""
        values: dict[str, Any] = {op: {} for op in OPERATORS}
        values.update(
            {"in": {"type": "array"}, "not_in": {"type": "array"}, "exists": {"type": "boolean"}}
        )
        values["starts_with"] = {"type": "string"}
        return {
            "title": "AttrCondition",
            "type": "object",
            "properties": {"attr": {"type": "string"}, **values},
            "required": ["attr"],
            "minProperties": 2,
            "maxProperties": 2,
            "additionalProperties": False,
        }


def _value_problem(op: Operator, value: Any) -> str | None:
    if op in ("in", "not_in") and not isinstance(value, list):
        return f"'{op}' takes a list, not {value!r}"
    if op == "exists" and not isinstance(value, bool):
        return f"'exists' takes true or false, not {value!r}"
    if op == "starts_with" and not isinstance(value, str):
        return f"'starts_with' takes a string, not {value!r}"
    if op in ("gt", "gte", "lt", "lte") and (
        isinstance(value, bool) or not isinstance(value, int | float | str)
    ):
        return f"'{op}' takes a number or a string, not {value!r}"
    if op == "contains" and isinstance(value, list | dict):
        return f"'contains' takes a single value, not {value!r}"
    return None


_CONDITION_UNION = KeyedUnion(
    "a condition",
    {
        "all": AllCondition,
        "any": AnyCondition,
        "not": NotCondition,
        "attr": AttrCondition,
        "event": EventCondition,
    },
)

Condition: TypeAlias = Annotated[
    Union[  # noqa: UP007 (tagged members need the Union form)
        Annotated[AllCondition, Tag("AllCondition")],
        Annotated[AnyCondition, Tag("AnyCondition")],
        Annotated[NotCondition, Tag("NotCondition")],
        Annotated[AttrCondition, Tag("AttrCondition")],
        Annotated[EventCondition, Tag("EventCondition")],
    ],
    _CONDITION_UNION.discriminator,
    _CONDITION_UNION.validator,
]
"""A condition, parsed by which of `all`, `any`, `not`, `attr`, `event` it has."""

for _model in (AllCondition, AnyCondition, NotCondition, EventCondition):
    _model.model_rebuild()

_CONDITION_ADAPTER: TypeAdapter[Condition] = TypeAdapter(Condition)


def parse_condition(data: Any) -> Condition:
    """Parse a condition from its document form (raises pydantic's ValidationError)."""
    return _CONDITION_ADAPTER.validate_python(data)


def condition_document(condition: Condition) -> Any:
    """A condition in its document form (plain dicts and lists)."""
    return _CONDITION_ADAPTER.dump_python(condition, by_alias=True, exclude_none=True, mode="json")


def _all(predicates: list[Predicate]) -> Predicate:
    if not predicates:
        return lambda ctx: True
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        first, second = predicates
        return lambda ctx: first(ctx) and second(ctx)

    def every(ctx: ConditionContext) -> bool:
        for predicate in predicates:  # noqa: SIM110 (a hot path: a loop beats a generator)
            if not predicate(ctx):
                return False
        return True

    return every


def _any(predicates: list[Predicate]) -> Predicate:
    if len(predicates) == 1:
        return predicates[0]

    def some(ctx: ConditionContext) -> bool:
        for predicate in predicates:  # noqa: SIM110 (a hot path: a loop beats a generator)
            if predicate(ctx):
                return True
        return False

    return some


def _attr(condition: AttrCondition) -> Predicate:
    get = resolver(condition.attr)
    if condition.op == "exists":
        if condition.value:
            return lambda ctx: get(ctx) is not None
        return lambda ctx: get(ctx) is None
    test = operator_test(condition.op, condition.value)

    def compare(ctx: ConditionContext) -> bool:
        value = get(ctx)
        return value is not None and test(value)

    return compare


def _event(condition: EventCondition) -> Predicate:
    name = condition.event
    where = None if condition.where is None else compile_condition(condition.where)

    def matches(ctx: ConditionContext) -> bool:
        event = ctx.event
        if event is None or event.name != name:
            return False
        return where is None or where(ctx)

    return matches


def _build(condition: Condition) -> Predicate:
    if isinstance(condition, AllCondition):
        return _all([compile_condition(child) for child in condition.all])
    if isinstance(condition, AnyCondition):
        return _any([compile_condition(child) for child in condition.any])
    if isinstance(condition, NotCondition):
        inner = compile_condition(condition.not_)
        return lambda ctx: not inner(ctx)
    if isinstance(condition, AttrCondition):
        return _attr(condition)
    return _event(condition)


_COMPILED: dict[str, Predicate] = {}


def canonical_key(condition: Condition) -> str:
    """The condition as canonical JSON: equal conditions give equal keys."""
    return json.dumps(condition_document(condition), sort_keys=True, separators=(",", ":"))


def _compile_shared(condition: Condition) -> Predicate:
    key = canonical_key(condition)
    predicate = _COMPILED.get(key)
    if predicate is None:
        predicate = _COMPILED[key] = _build(condition)
    return predicate


def compile_condition(condition: Condition | Mapping[str, Any]) -> Predicate:
    """Compile a condition (or its document form) once; later calls return the same function."""
    if isinstance(condition, Mapping):
        condition = parse_condition(condition)
    return condition.predicate


def compile_match(match: Mapping[str, str]) -> Predicate:
    """A wait_for `match`: each awaited event path equals its expected path (both present)."""
    pairs = [(resolver(awaited), resolver(expected)) for awaited, expected in match.items()]

    def matches(ctx: ConditionContext) -> bool:
        for awaited, expected in pairs:
            left, right = awaited(ctx), expected(ctx)
            if left is None or right is None or not same_value(left, right):
                return False
        return True

    return matches


def referenced_events(condition: Condition) -> frozenset[str]:
    """Event names the condition looks for: `{event: …}` and `event.name` comparisons."""
    if isinstance(condition, AllCondition | AnyCondition):
        children = condition.all if isinstance(condition, AllCondition) else condition.any
        return frozenset().union(*(referenced_events(child) for child in children))
    if isinstance(condition, NotCondition):
        return referenced_events(condition.not_)
    if isinstance(condition, EventCondition):
        inner = frozenset() if condition.where is None else referenced_events(condition.where)
        return inner | {condition.event}
    if condition.attr == "event.name" and condition.op in ("eq", "in"):
        names = condition.value if condition.op == "in" else [condition.value]
        return frozenset(name for name in names if isinstance(name, str))
    return frozenset()

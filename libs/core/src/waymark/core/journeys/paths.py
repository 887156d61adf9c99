"""Attribute paths (`profile.…`, `event.…`, `entry.…`): the context they read, and how."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

__all__ = [
    "ConditionContext",
    "EventView",
    "Predicate",
    "Resolver",
    "path_problem",
    "resolver",
]


@dataclass(frozen=True, slots=True)
class EventView:
    """An event as conditions see it: its name and its properties."""

    name: str
    properties: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ConditionContext:
    """What a condition is evaluated against: the profile, the input event, the entry event."""

    profile: Mapping[str, Any]
    event: EventView | None = None
    entry: EventView | None = None


Predicate: TypeAlias = Callable[[ConditionContext], bool]
"""A compiled condition: a plain function of the context."""


def path_problem(path: str) -> str | None:
    """Why `path` is not a valid attribute path, or None when it is."""
    root, _, rest = path.partition(".")
    if root == "profile":
        if rest and all(rest.split(".")):
            return None
        return f"'{path}' names no profile attribute (write profile.NAME)"
    if root in ("event", "entry"):
        if rest == "name":
            return None
        head, _, tail = rest.partition(".")
        if head == "properties" and tail and all(tail.split(".")):
            return None
        return f"'{path}' is neither {root}.name nor {root}.properties.NAME"
    return f"'{path}' does not start with profile., event. or entry."


Resolver: TypeAlias = Callable[[ConditionContext], Any]


def _walk(value: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def resolver(path: str) -> Resolver:
    """A function reading `path` from a context; None stands for a missing attribute."""
    root, _, rest = path.partition(".")
    if root == "profile":
        keys = tuple(rest.split("."))
        if len(keys) == 1:
            (key,) = keys
            return lambda ctx: ctx.profile.get(key)
        return lambda ctx: _walk(ctx.profile, keys)
    pick: Callable[[ConditionContext], EventView | None] = (
        (lambda ctx: ctx.event) if root == "event" else (lambda ctx: ctx.entry)
    )
    if rest == "name":

        def name(ctx: ConditionContext) -> Any:
            event = pick(ctx)
            return None if event is None else event.name

        return name
    keys = tuple(rest.split(".")[1:])

    def prop(ctx: ConditionContext) -> Any:
        event = pick(ctx)
        return None if event is None else _walk(event.properties, keys)

    return prop

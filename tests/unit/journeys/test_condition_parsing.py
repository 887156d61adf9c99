"""A condition has exactly one form and one operator, and dumps back to its document."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from waymark.core.journeys.conditions import (
    AllCondition,
    AttrCondition,
    EventCondition,
    NotCondition,
    condition_document,
    parse_condition,
)


def error_of(document: Any) -> tuple[tuple[int | str, ...], str]:
    with pytest.raises(ValidationError) as caught:
        parse_condition(document)
    errors = caught.value.errors()
    assert len(errors) == 1
    return errors[0]["loc"], errors[0]["msg"]


@pytest.mark.parametrize(
    "document",
    [
        {"all": [{"attr": "profile.a", "eq": None}, {"any": []}]},
        {"not": {"attr": "entry.properties.cart_id", "exists": True}},
        {"attr": "event.name", "in": ["a", "b"]},
        {"attr": "profile.x", "not_in": []},
        {"attr": "profile.x", "starts_with": "+49"},
        {"event": "order_completed", "where": {"attr": "event.properties.total", "gte": 10}},
        {"event": "account_closed"},
    ],
)
def test_documents_round_trip(document: dict[str, Any]) -> None:
    assert condition_document(parse_condition(document)) == document


def test_forms_parse_to_their_classes() -> None:
    parsed = parse_condition({"all": [{"not": {"event": "x"}}, {"attr": "profile.a", "eq": 1}]})
    assert isinstance(parsed, AllCondition)
    first, second = parsed.all
    assert isinstance(first, NotCondition)
    assert isinstance(first.not_, EventCondition)
    assert isinstance(second, AttrCondition)
    assert (second.attr, second.op, second.value) == ("profile.a", "eq", 1)


def test_no_operator_is_an_error() -> None:
    _, message = error_of({"attr": "profile.a"})
    assert "exactly one operator" in message
    assert "found none" in message


def test_two_operators_are_an_error() -> None:
    _, message = error_of({"attr": "profile.a", "gt": 1, "lt": 5})
    assert "exactly one operator" in message
    assert "gt and lt" in message


def test_an_unknown_operator_is_named() -> None:
    _, message = error_of({"attr": "profile.a", "equals": 1})
    assert "'equals' is not an operator" in message


@pytest.mark.parametrize("op", ["in", "not_in"])
def test_membership_needs_a_list(op: str) -> None:
    _, message = error_of({"attr": "profile.a", op: "gold"})
    assert f"'{op}' takes a list" in message


def test_exists_needs_a_bool() -> None:
    _, message = error_of({"attr": "profile.a", "exists": "yes"})
    assert "'exists' takes true or false" in message


def test_ordering_needs_a_number_or_a_string() -> None:
    _, message = error_of({"attr": "profile.a", "gt": True})
    assert "'gt' takes a number or a string" in message


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("email", "does not start with profile., event. or entry."),
        ("profile.", "names no profile attribute"),
        ("event.source", "neither event.name nor event.properties.NAME"),
        ("entry.properties.", "neither entry.name nor entry.properties.NAME"),
    ],
)
def test_bad_paths_are_errors(path: str, fragment: str) -> None:
    _, message = error_of({"attr": path, "exists": True})
    assert fragment in message
    assert path in message


def test_two_forms_at_once_are_an_error() -> None:
    _, message = error_of({"all": [], "not": {"event": "x"}})
    assert "exactly one of" in message
    assert "'all' and 'not'" in message


def test_an_unknown_form_is_an_error_naming_the_keys() -> None:
    _, message = error_of({"every": []})
    assert "needs one of 'all', 'any', 'not', 'attr' or 'event'" in message
    assert "'every'" in message


def test_errors_inside_lists_point_at_the_item() -> None:
    loc, _ = error_of({"all": [{"attr": "profile.a", "eq": 1}, {"attr": "profile.b"}]})
    assert [part for part in loc if part in ("all", 1)] == ["all", 1]

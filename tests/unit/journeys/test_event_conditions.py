"""`{event: NAME, where: C}` holds for the input event of that name; entry paths read the entry."""

from __future__ import annotations

from waymark.core.journeys.conditions import (
    ConditionContext,
    EventView,
    compile_condition,
    compile_match,
    parse_condition,
    referenced_events,
)


def test_event_condition_needs_the_named_input_event() -> None:
    predicate = compile_condition({"event": "order_completed"})
    assert predicate(ConditionContext(profile={}, event=EventView("order_completed", {})))
    assert not predicate(ConditionContext(profile={}, event=EventView("signed_up", {})))
    assert not predicate(ConditionContext(profile={}))


def test_where_is_checked_against_the_same_event() -> None:
    predicate = compile_condition(
        {"event": "order_completed", "where": {"attr": "event.properties.total", "gte": 50}}
    )
    assert predicate(
        ConditionContext(profile={}, event=EventView("order_completed", {"total": 60}))
    )
    assert not predicate(
        ConditionContext(profile={}, event=EventView("order_completed", {"total": 10}))
    )


def test_event_name_and_entry_paths() -> None:
    ctx = ConditionContext(
        profile={},
        event=EventView("cart_updated", {"cart": {"id": "c9"}}),
        entry=EventView("cart_abandoned", {"cart_id": "c9"}),
    )
    assert compile_condition({"attr": "event.name", "eq": "cart_updated"})(ctx)
    assert compile_condition({"attr": "entry.name", "eq": "cart_abandoned"})(ctx)
    assert compile_condition({"attr": "event.properties.cart.id", "eq": "c9"})(ctx)
    assert compile_condition({"attr": "entry.properties.cart_id", "starts_with": "c"})(ctx)


def test_match_compares_the_awaited_event_with_the_entry() -> None:
    predicate = compile_match({"event.properties.cart_id": "entry.properties.cart_id"})
    entry = EventView("cart_abandoned", {"cart_id": "c1"})
    same = ConditionContext(profile={}, event=EventView("checkout", {"cart_id": "c1"}), entry=entry)
    other = ConditionContext(
        profile={}, event=EventView("checkout", {"cart_id": "c2"}), entry=entry
    )
    absent = ConditionContext(profile={}, event=EventView("checkout", {}), entry=entry)
    assert predicate(same)
    assert not predicate(other)
    assert not predicate(absent)


def test_referenced_events_lists_event_names() -> None:
    condition = parse_condition(
        {
            "any": [
                {"event": "a", "where": {"attr": "event.properties.x", "eq": 1}},
                {"not": {"event": "b"}},
                {"attr": "event.name", "in": ["c", "d"]},
                {"attr": "event.name", "eq": "e"},
                {"attr": "profile.f", "eq": "g"},
            ]
        }
    )
    assert referenced_events(condition) == {"a", "b", "c", "d", "e"}

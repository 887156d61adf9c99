"""Triggers: event with `where`, condition turning true, schedule with audience, API payloads."""

from __future__ import annotations

from engine.driver import T0, Engine, hours, journey_doc
from waymark.core.engine import EnginePolicy


def test_event_trigger_with_where() -> None:
    eng = Engine(
        journey_doc(
            trigger={
                "event": "signed_up",
                "where": {"attr": "event.properties.source", "ne": "partner"},
            }
        )
    )
    eng.track("signed_up", T0, customer="a", source="partner")
    eng.track("signed_up", T0, customer="b", source="web")
    assert eng.kinds("a") == []
    assert eng.kinds("b")[0] == "entered"


def test_condition_trigger_enters_when_it_turns_true() -> None:
    eng = Engine(
        journey_doc(
            trigger={"condition": {"attr": "profile.plan", "eq": "pro"}}, reentry={"mode": "always"}
        )
    )
    eng.identify(T0, plan="free")
    assert eng.kinds() == []
    eng.identify(T0 + hours(1), plan="pro")
    assert eng.kinds().count("entered") == 1
    eng.identify(T0 + hours(2), plan="pro", name="still pro")
    assert eng.kinds().count("entered") == 1  # stayed true: no new entry
    eng.identify(T0 + hours(3), plan="free")
    eng.identify(T0 + hours(4), plan="pro")
    assert eng.kinds().count("entered") == 2


def test_condition_trigger_does_not_fire_for_a_customer_already_matching() -> None:
    eng = Engine(journey_doc(trigger={"condition": {"attr": "profile.plan", "eq": "pro"}}))
    eng.identify(T0, plan="pro")
    assert eng.kinds().count("entered") == 1
    eng.track("page_viewed", T0 + hours(1))
    assert eng.kinds().count("entered") == 1


def test_an_update_step_can_trigger_another_journey() -> None:
    marker = journey_doc(
        [{"id": "mark", "update": {"set": {"profile.stage": "warm"}}}], id="marker"
    )
    follower = journey_doc(
        [{"id": "hi", "send": {"channel": "email", "template": "hi"}}],
        id="follower",
        type="transactional",
        trigger={"condition": {"attr": "profile.stage", "eq": "warm"}},
    )
    eng = Engine(marker, follower)
    eng.identify(T0, email="a@example.com")
    eng.track("start", T0)
    assert eng.sent() == ["hi"]


def test_schedule_enters_customers_matching_the_audience() -> None:
    doc = journey_doc(
        trigger={
            "schedule": {
                "cron": "0 9 * * MON",
                "timezone": "Europe/Berlin",
                "audience": {"attr": "profile.plan", "eq": "pro"},
            }
        },
        reentry={"mode": "always"},
    )
    eng = Engine(doc)
    eng.identify(T0, customer="pro", plan="pro")
    eng.identify(T0, customer="free", plan="free")
    for customer in ("pro", "free"):
        eng.schedule("test-journey", T0 + hours(1), customer=customer)
    assert eng.kinds("pro")[0] == "entered"
    assert eng.kinds("free") == []


def test_schedule_next_fire_is_in_the_schedule_time_zone() -> None:
    doc = journey_doc(trigger={"schedule": {"cron": "0 9 * * MON", "timezone": "Europe/Berlin"}})
    eng = Engine(doc)
    fire = eng.catalog.next_fire("test-journey", T0)
    assert fire is not None
    assert fire.isoformat() == "2026-01-12T08:00:00+00:00"


def test_api_trigger_payload_is_the_entry_event() -> None:
    steps = [
        {
            "id": "kind",
            "branch": {
                "cases": [
                    {"when": {"attr": "entry.properties.reason", "eq": "reset"}, "goto": "reset"}
                ],
                "else": "exit",
            },
        },
        {"id": "reset", "send": {"channel": "email", "template": "password-reset"}},
    ]
    eng = Engine(
        journey_doc(steps, type="transactional", trigger={"api": True}, reentry={"mode": "always"})
    )
    eng.identify(T0, email="a@example.com")
    eng.api("test-journey", T0, reason="reset", token="t-123")
    assert eng.sent() == ["reset"]
    assert eng.commands[0].template == "password-reset"
    assert eng.commands[0].entry_properties == {"reason": "reset"}


def test_an_api_trigger_for_another_kind_of_journey_does_nothing() -> None:
    eng = Engine(journey_doc())
    eng.api("test-journey", T0)
    assert eng.kinds() == []


def test_policy_defaults_are_sensible() -> None:
    policy = EnginePolicy()
    assert (policy.frequency_cap, policy.frequency_window) == (3, 86400)

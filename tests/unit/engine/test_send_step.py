"""`send`: a command with a stable id, and every policy skip traced as `suppressed`."""

from __future__ import annotations

from engine.driver import T0, Engine, journey_doc
from waymark.core.engine.ids import command_id


def test_send_emits_one_command_with_the_contract_fields() -> None:
    eng = Engine(journey_doc())
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("start", T0)

    (command,) = eng.commands
    inst_entry = eng.transitions[0].entry_id
    assert command.customer_id == "c1"
    assert command.journey_id == "test-journey"
    assert command.journey_version == 1
    assert (command.step_id, command.channel, command.template) == ("hello", "email", "hello")
    assert command.category == "marketing"
    assert command.at == T0
    assert command.address == "a@example.com"
    assert command.consent_granted is True
    assert command.command_id == command_id("c1", "test-journey", 1, inst_entry, "hello", 0)


def test_trace_of_a_one_step_journey_ends_completed() -> None:
    eng = Engine(journey_doc())
    eng.identify(T0, email="a@example.com")
    eng.consent("email", T0)
    eng.track("start", T0)

    assert eng.trace() == [
        ("entered", None, None),
        ("milestone_entered", None, None),
        ("step_entered", "hello", None),
        ("step_completed", "hello", None),
        ("exited", None, "completed"),
    ]
    assert eng.transitions[0].milestone_id == "main"
    assert eng.state().instances == {}


def test_a_send_without_an_address_is_suppressed_with_a_reason() -> None:
    eng = Engine(journey_doc(type="transactional"))
    eng.track("start", T0)

    assert eng.commands == []
    assert ("suppressed", "hello", "no_address") in eng.trace()


def test_webhooks_need_no_address() -> None:
    steps = [{"id": "hook", "send": {"channel": "webhook", "template": "crm-sync"}}]
    eng = Engine(journey_doc(steps, type="transactional"))
    eng.track("start", T0)

    (command,) = eng.commands
    assert command.channel == "webhook"
    assert command.address is None


def test_the_command_carries_the_trimmed_entry_event() -> None:
    steps = [
        {"id": "hello", "send": {"channel": "email", "template": "hello"}},
        {
            "id": "wait-cart",
            "wait_for": {
                "event": "checkout",
                "match": {"event.properties.cart_id": "entry.properties.cart_id"},
                "timeout": "P1D",
            },
        },
    ]
    eng = Engine(journey_doc(steps, type="transactional"))
    eng.identify(T0, email="a@example.com")
    eng.track("start", T0, cart_id="k1", items=["a", "b"], note="x" * 500)

    (command,) = eng.commands
    assert command.entry_properties == {"cart_id": "k1"}
    assert eng.state().instances["test-journey"].entry is not None

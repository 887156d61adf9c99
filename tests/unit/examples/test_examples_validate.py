"""Every example journey is valid, uses listed templates, and tells a story that runs."""

from __future__ import annotations

from collections import Counter

import pytest
from typer.testing import CliRunner

from examples.story import (
    ALL_EXAMPLES,
    EXAMPLES,
    SEED_JOURNEYS,
    TRANSACTIONAL_EXTRAS,
    events_file,
    examples_of_type,
    journey_file,
    run,
    template_categories,
    template_entries,
)
from waymark.core.cli import app
from waymark.core.engine import Consent
from waymark.core.journeys import SendStep, check_journey, journey_document, load_journey
from waymark.core.simulate import read_inputs


def test_the_folder_holds_exactly_the_nine_examples() -> None:
    journeys = {path.stem for path in EXAMPLES.glob("*.yaml")} - {"templates"}
    stories = {path.name.removesuffix(".events.jsonl") for path in EXAMPLES.glob("*.jsonl")}
    assert journeys == set(ALL_EXAMPLES)
    assert stories == set(ALL_EXAMPLES)


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_example_validates_with_no_problem_against_the_templates(name: str) -> None:
    journey, problems = check_journey(journey_file(name), template_categories())
    assert problems == []
    assert journey is not None
    assert journey.id == name


def test_seed_journeys_are_marketing_and_extras_transactional_as_designed() -> None:
    types = {name: load_journey(journey_file(name)).type for name in ALL_EXAMPLES}
    transactional = {name for name, kind in types.items() if kind == "transactional"}
    # Billing notices and a survey about the customer's own ticket are service messages.
    assert transactional == {*TRANSACTIONAL_EXTRAS, "payment-reminder", "support-follow-up"}
    assert len(SEED_JOURNEYS) == 7


def test_templates_file_lists_each_template_once_with_a_category() -> None:
    entries = template_entries()
    counts = Counter(entry["id"] for entry in entries)
    assert [template for template, n in counts.items() if n > 1] == []
    assert {entry["category"] for entry in entries} == {"marketing", "transactional"}


def test_every_template_listed_is_sent_by_some_example() -> None:
    used = set().union(*(load_journey(journey_file(n)).send_templates() for n in ALL_EXAMPLES))
    assert used == set(template_categories())


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_every_send_uses_its_template_on_a_channel_the_template_has(name: str) -> None:
    channels = {entry["id"]: set(entry["channels"]) for entry in template_entries()}
    journey = load_journey(journey_file(name))
    sends = [step.send for _, step in journey.steps() if isinstance(step, SendStep)]
    assert sends
    assert [s.template for s in sends if s.channel not in channels[s.template]] == []


@pytest.mark.parametrize("name", examples_of_type("transactional"))
def test_transactional_examples_send_only_transactional_templates(name: str) -> None:
    journey = load_journey(journey_file(name))
    categories = template_categories()
    assert {categories[t] for t in journey.send_templates()} == {"transactional"}


def test_a_marketing_template_in_a_transactional_example_is_rejected() -> None:
    document = journey_document(load_journey(journey_file("order-confirmation")))
    document["milestones"][0]["steps"][2]["send"]["template"] = "welcome-email"
    _, problems = check_journey(document, template_categories())
    assert [(p.path, p.message) for p in problems] == [
        (
            "milestones[0].steps[2].send.template",
            "template 'welcome-email' is a marketing template, "
            "and a transactional journey sends only transactional ones",
        )
    ]


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_story_has_several_customers_and_sends_something(name: str) -> None:
    inputs = read_inputs(events_file(name))
    trace = run(name)
    assert len({inp.customer_id for inp in inputs}) >= 4
    assert trace.document["commands"]
    assert {t["journey_id"] for t in trace.document["transitions"]} == {name}


@pytest.mark.parametrize("name", examples_of_type("marketing"))
def test_marketing_story_shows_a_send_suppressed_for_no_consent(name: str) -> None:
    suppressed = [t for t in run(name).document["transitions"] if t["kind"] == "suppressed"]
    assert "no_consent" in {t["reason"] for t in suppressed}


@pytest.mark.parametrize("name", examples_of_type("transactional"))
def test_transactional_story_reaches_a_customer_who_gave_no_marketing_consent(
    name: str,
) -> None:
    granted = {
        (inp.customer_id, inp.channel)
        for inp in read_inputs(events_file(name))
        if isinstance(inp, Consent) and inp.granted
    }
    commands = run(name).document["commands"]
    assert {c["category"] for c in commands} == {"transactional"}
    assert [c for c in commands if (c["customer_id"], c["channel"]) not in granted]


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_explain_outlines_every_milestone_and_step(name: str) -> None:
    result = CliRunner().invoke(app, ["explain", str(journey_file(name))])
    assert result.exit_code == 0, result.output
    journey = load_journey(journey_file(name))
    for milestone in journey.milestones:
        assert f"{milestone.id} — {milestone.name}" in result.output
    for _, step in journey.steps():
        assert f"    {step.id} " in result.output

"""Run an example journey over its story (events file) and read the trace by customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from waymark.core.engine.inputs import parse_timestamp
from waymark.core.journeys import Category, load_journey
from waymark.core.simulate import read_inputs, simulate

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "journeys"
TEMPLATES_FILE = EXAMPLES.parent / "templates.yaml"

SEED_JOURNEYS = (
    "discover-shop-buy",
    "new-customer-onboarding",
    "payment-reminder",
    "product-use-nudges",
    "support-follow-up",
    "plan-change",
    "win-back",
)
"""The seven customer journeys of seed 004, in its order."""
TRANSACTIONAL_EXTRAS = ("order-confirmation", "password-reset")
ALL_EXAMPLES = SEED_JOURNEYS + TRANSACTIONAL_EXTRAS

KEY_KINDS = frozenset(
    {"entered", "milestone_entered", "suppressed", "converted", "exited", "step_failed"}
)
"""The transitions a story is told by; the step-by-step ones are left out."""

Row = tuple[str, ...]


def journey_file(name: str) -> Path:
    """The YAML file of an example."""
    return EXAMPLES / f"{name}.yaml"


def events_file(name: str) -> Path:
    """The events file (JSON Lines) telling an example's story."""
    return EXAMPLES / f"{name}.events.jsonl"


def template_entries() -> list[dict[str, Any]]:
    """templates.yaml as its list of `{id, category, channels}`."""
    document = yaml.safe_load(TEMPLATES_FILE.read_text(encoding="utf-8"))
    entries: list[dict[str, Any]] = document["templates"]
    return entries


def template_categories() -> dict[str, Category]:
    """Template id → category, as validation takes it."""
    return {entry["id"]: entry["category"] for entry in template_entries()}


@dataclass(frozen=True)
class Trace:
    """The JOURNEYS.md output document of one simulation, read per customer."""

    document: dict[str, list[dict[str, Any]]]

    def commands(self, customer: str) -> list[Row]:
        """(step, channel, template, at) of each command to `customer`, in order."""
        return [
            (c["step_id"], c["channel"], c["template"], c["at"])
            for c in self.document["commands"]
            if c["customer_id"] == customer
        ]

    def command_rows(self, customer: str) -> list[dict[str, Any]]:
        """The full command objects sent to `customer`."""
        return [c for c in self.document["commands"] if c["customer_id"] == customer]

    def key(self, customer: str, journey: str | None = None) -> list[tuple[Any, ...]]:
        """(at, kind, milestone, step, reason) of the customer's key transitions."""
        return [
            (t["at"], t["kind"], t["milestone_id"], t["step_id"], t["reason"])
            for t in self.document["transitions"]
            if t["customer_id"] == customer
            and t["kind"] in KEY_KINDS
            and (journey is None or t["journey_id"] == journey)
        ]

    def transitions(self, customer: str) -> list[tuple[Any, ...]]:
        """(at, kind, milestone, step, reason) of every transition of `customer`."""
        return [
            (t["at"], t["kind"], t["milestone_id"], t["step_id"], t["reason"])
            for t in self.document["transitions"]
            if t["customer_id"] == customer
        ]

    def customers(self) -> set[str]:
        """Every customer the trace mentions."""
        rows = self.document["commands"] + self.document["transitions"]
        return {row["customer_id"] for row in rows}


def run(*names: str, until: str | None = None, events: str | None = None) -> Trace:
    """Simulate the named examples together over the story of the first (or `events`)."""
    journeys = [load_journey(journey_file(name)) for name in names]
    inputs = read_inputs(events_file(events or names[0]))
    stop: datetime | None = parse_timestamp(until) if until else None
    return Trace(simulate(journeys, inputs, until=stop).to_document())


def final_profile(name: str, customer: str) -> dict[str, Any]:
    """The customer's profile after the example's story has run."""
    result = simulate([load_journey(journey_file(name))], read_inputs(events_file(name)))
    return dict(result.states[customer].profile)


def examples_of_type(kind: Category) -> list[str]:
    """The examples whose journey is of type `kind`."""
    return [name for name in ALL_EXAMPLES if load_journey(journey_file(name)).type == kind]

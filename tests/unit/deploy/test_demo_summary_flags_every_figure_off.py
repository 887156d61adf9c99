"""The demo's ground truth and comparison, on a story whose figures are derived by hand."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "deploy" / "local"))

from demo_scenario import Call, Scenario, daytime_zones, stamp  # noqa: E402
from demo_summary import compare, ground_truth, observed_figures, table  # noqa: E402

from waymark.core.journeys import load_journey  # noqa: E402

AT = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)  # afternoon in Berlin: no quiet hours


def journeys() -> list[Any]:
    paths = sorted((ROOT / "examples" / "journeys").glob("*.yaml"))
    return [load_journey(yaml.safe_load(p.read_text(encoding="utf-8"))) for p in paths]


def story() -> list[Call]:
    """Ann orders (a confirmation email); Bob signs up without consent (suppressed)."""
    calls = [
        Call("identify", "ann", {"traits": {"email": "a@example.com"}}, "m1"),
        Call("track", "ann", {"event": "order_completed", "properties": {"order_id": "o1"}}, "m2"),
        Call("identify", "bob", {"traits": {"email": "b@example.com"}}, "m3"),
        Call("track", "bob", {"event": "signed_up", "properties": {"source": "web"}}, "m4"),
    ]
    for n, call in enumerate(calls):
        call.timestamp = stamp(AT + timedelta(seconds=n))
    return calls


def platform_answers(
    entries: dict[str, int], emails_sent: int, emails_in_sink: int, matched: int
) -> Any:
    """Analytics' bodies and the sinks' counts as the demo reads them."""
    summaries = {
        j: {
            "total": {
                "entries": entries.get(j, 0),
                "converted": 0,
                "suppressed_by_reason": (
                    [{"reason": "no_consent", "count": 1}] if j == "new-customer-onboarding" else []
                ),
            }
        }
        for j in (x.id for x in journeys())
    }
    messages = {
        "order-confirmation": {"channels": [{"channel": "email", "sent": emails_sent, "failed": 0}]}
    }
    return observed_figures(4, summaries, messages, {"email": emails_in_sink}, matched)


def test_ground_truth_counts_what_the_story_implies() -> None:
    truth = ground_truth(journeys(), story(), AT + timedelta(minutes=5))
    figures = truth.figures
    assert figures.events == 4
    assert figures.entries["order-confirmation"] == 1
    assert figures.entries["new-customer-onboarding"] == 1
    assert figures.entries["discover-shop-buy"] == 0
    assert figures.messages == {"email": {"sent": 1, "failed": 0, "in sink": 1}}
    assert figures.suppressions == {"no_consent": 1}
    assert figures.matched == 1
    (caused,) = truth.caused_at.values()
    assert caused == AT + timedelta(seconds=1)


def test_an_agreeing_platform_passes() -> None:
    truth = ground_truth(journeys(), story(), AT + timedelta(minutes=5))
    entries = {"order-confirmation": 1, "new-customer-onboarding": 1}
    assert compare(truth.figures, platform_answers(entries, 1, 1, 1)) == []


@pytest.mark.parametrize(
    ("observed", "flagged"),
    [
        (({"order-confirmation": 1, "new-customer-onboarding": 1}, 1, 0, 1), "in sink"),
        (({"order-confirmation": 1, "new-customer-onboarding": 1}, 1, 2, 1), "in sink"),
        (({"order-confirmation": 0, "new-customer-onboarding": 1}, 1, 1, 1), "entries"),
        (({"order-confirmation": 1, "new-customer-onboarding": 1}, 1, 1, 0), "expected id"),
    ],
)
def test_a_figure_off_is_named(observed: Any, flagged: str) -> None:
    truth = ground_truth(journeys(), story(), AT + timedelta(minutes=5))
    differences = compare(truth.figures, platform_answers(*observed))
    assert len(differences) == 1
    assert flagged in differences[0]
    assert "<- differs" in table(truth.figures, platform_answers(*observed), [0.1, 0.2])


def test_the_scenario_is_the_same_for_the_same_seed() -> None:
    zones = daytime_zones(AT)
    first, second = Scenario(30, zones, seed=5), Scenario(30, zones, seed=5)
    assert first.calls() == second.calls() > 30
    flat = [c.batch_item() for story in first.stories for step in story for c in step]
    again = [c.batch_item() for story in second.stories for step in story for c in step]
    assert flat == again

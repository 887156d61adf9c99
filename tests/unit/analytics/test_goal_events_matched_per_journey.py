"""Customer events are matched against every known version's goal, `where` included, so both
holdout arms' conversions are seen; other events and other journeys are not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from waymark.analytics.catalog import JourneyCatalog
from waymark.core.contracts import CustomerEvent, JourneyVersion

NOW = datetime(2026, 1, 5, tzinfo=UTC)


def _version(journey_id: str, goal: dict[str, Any] | None, version: int = 1) -> JourneyVersion:
    definition: dict[str, Any] = {"id": journey_id, "name": journey_id, "milestones": []}
    if goal is not None:
        definition["goal"] = goal
    return JourneyVersion(
        journey_id=journey_id,
        version=version,
        status="active",
        type="transactional" if journey_id.startswith("tx") else "marketing",
        definition=definition,
        published_at=NOW,
        checksum="x",
    )


def _event(name: str | None, kind: str = "track", **properties: Any) -> CustomerEvent:
    return CustomerEvent(
        event_id="e1",
        customer_id="c1",
        type=kind,  # type: ignore[arg-type]
        name=name,
        properties=properties,
        timestamp=NOW,
        received_at=NOW,
    )


def test_goals_match_by_name_and_where() -> None:
    catalog = JourneyCatalog()
    catalog.apply(
        _version(
            "big-orders",
            {
                "event": "order_completed",
                "within": "P7D",
                "where": {"attr": "event.properties.total", "gte": 100},
            },
        )
    )
    catalog.apply(_version("any-order", {"event": "order_completed", "within": "P1D"}))
    catalog.apply(_version("no-goal", None))
    assert catalog.goal_journeys(_event("order_completed", total=150)) == [
        "any-order",
        "big-orders",
    ]
    assert catalog.goal_journeys(_event("order_completed", total=20)) == ["any-order"]
    assert catalog.goal_journeys(_event("signed_up")) == []
    assert catalog.goal_journeys(_event(None, kind="identify")) == []


def test_a_new_version_replaces_its_own_goal_and_keeps_the_others() -> None:
    catalog = JourneyCatalog()
    catalog.apply(_version("offer", {"event": "order_completed", "within": "P1D"}, version=1))
    catalog.apply(_version("offer", {"event": "subscribed", "within": "P1D"}, version=2))
    assert catalog.goal_journeys(_event("order_completed")) == ["offer"]
    assert catalog.goal_journeys(_event("subscribed")) == ["offer"]
    catalog.apply(_version("offer", None, version=2))
    assert catalog.goal_journeys(_event("subscribed")) == []


def test_the_type_label_is_the_latest_versions() -> None:
    catalog = JourneyCatalog()
    catalog.apply(_version("tx-receipt", None, version=2))
    catalog.apply(_version("tx-receipt", None, version=1))
    assert catalog.journey_type("tx-receipt") == "transactional"
    assert catalog.journey_type("unknown-journey") == "unknown"
    assert catalog.latest("tx-receipt").version == 2  # type: ignore[union-attr]

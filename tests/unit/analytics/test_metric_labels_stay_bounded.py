"""Metric labels stay bounded: journeys outside the catalog and reasons beyond a cap fold into
`other`, and a customer id is never a label."""

from __future__ import annotations

from datetime import UTC, datetime

from waymark.analytics.aggregator import Labels
from waymark.analytics.catalog import JourneyCatalog
from waymark.core.contracts import JourneyVersion


def test_unknown_journeys_and_excess_reasons_become_other() -> None:
    catalog = JourneyCatalog()
    catalog.apply(
        JourneyVersion(
            journey_id="welcome",
            version=1,
            status="active",
            type="marketing",
            definition={},
            checksum="x",
            published_at=datetime(2026, 1, 5, tzinfo=UTC),
        )
    )
    labels = Labels(catalog, max_reasons=2)
    assert labels.journey("welcome") == ("welcome", "marketing")
    assert labels.journey("customer-42-invented") == ("other", "unknown")
    assert labels.journey(None) == ("other", "unknown")
    assert [labels.reason(r) for r in ("no_consent", "frequency_cap", "no_consent")] == [
        "no_consent",
        "frequency_cap",
        "no_consent",
    ]
    assert labels.reason("third_reason") == "other"
    assert labels.reason("x" * 41) == "other"
    assert labels.reason(None) == "none"

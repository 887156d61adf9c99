"""`POST /v1/journeys/simulate`: the console's Test panel runs a document not yet saved; its
problems and bad inputs are 422s naming `journey.<path>` and `events[i]`."""

from __future__ import annotations

import json

import pytest

from waymark.core.journeys import load_journey
from waymark.core.simulate import read_inputs, simulate

from .support import Api, journey_document

pytestmark = pytest.mark.timeout(60)

EVENTS = [
    {
        "type": "identify",
        "customer_id": "c1",
        "traits": {"email": "a@example.com"},
        "timestamp": "2026-01-05T10:00:00Z",
    },
    {
        "type": "track",
        "customer_id": "c1",
        "event": "signed_up",
        "timestamp": "2026-01-05T10:00:01Z",
    },
]


async def test_an_unsaved_draft_is_simulated(api: Api) -> None:
    document = journey_document("never-saved")
    response = await api.as_role(
        "viewer", "POST", "/v1/journeys/simulate", json={"journey": document, "events": EVENTS}
    )
    assert response.status_code == 200, response.text
    expected = simulate([load_journey(document)], read_inputs([json.dumps(e) for e in EVENTS]))
    assert response.json() == expected.to_document()
    # No consent on email for a marketing journey: the welcome is suppressed, with its reason.
    reasons = [t["reason"] for t in response.json()["transitions"] if t["kind"] == "suppressed"]
    assert "no_consent" in reasons
    stored = await api.as_role("viewer", "GET", "/v1/journeys/never-saved")
    assert stored.status_code == 404


async def test_problems_of_the_draft_name_their_path(api: Api) -> None:
    document = journey_document("broken-draft")
    document["milestones"][0]["steps"][1]["wait_for"]["on_timeout"] = "nowhere"
    response = await api.as_role(
        "viewer", "POST", "/v1/journeys/simulate", json={"journey": document, "events": EVENTS}
    )
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["journey.milestones[0].steps[1].wait_for.on_timeout"]


async def test_bad_inputs_name_their_index(api: Api) -> None:
    events = [*EVENTS, {"type": "track", "customer_id": "c1"}]
    response = await api.as_role(
        "viewer",
        "POST",
        "/v1/journeys/simulate",
        json={"journey": journey_document("draft-two"), "events": events},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "events[2]"

    missing = await api.as_role("viewer", "POST", "/v1/journeys/simulate", json={"events": []})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "journey"

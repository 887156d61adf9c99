"""`POST /v1/journeys/validate` and `…/{id}/simulate`: the JOURNEYS.md contract over HTTP."""

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
        "traits": {"email": "a@example.com", "phone": "+15550123"},
        "timestamp": "2026-01-05T10:00:00Z",
    },
    {
        "type": "consent",
        "customer_id": "c1",
        "channel": "email",
        "granted": True,
        "timestamp": "2026-01-05T10:00:00Z",
    },
    {
        "type": "track",
        "customer_id": "c1",
        "event": "signed_up",
        "properties": {"source": "web"},
        "timestamp": "2026-01-05T10:00:01Z",
    },
]


async def test_validate_answers_200_with_every_problem(api: Api) -> None:
    await api.create_templates("welcome-email", "nudge-sms")
    valid = await api.as_role(
        "viewer", "POST", "/v1/journeys/validate", json=journey_document("validate-ok")
    )
    assert valid.status_code == 200
    assert valid.json() == {"valid": True, "problems": []}

    broken = journey_document("validate-bad", subject_template="no-such-template")
    broken["milestones"][0]["steps"][1]["wait_for"]["on_timeout"] = "nowhere"
    response = await api.as_role("viewer", "POST", "/v1/journeys/validate", json=broken)
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    paths = [problem["path"] for problem in body["problems"]]
    assert "milestones[0].steps[0].send.template" in paths
    assert "milestones[0].steps[1].wait_for.on_timeout" in paths

    for not_a_journey in ([1, 2], "text", {"id": "x"}):
        response = await api.as_role("viewer", "POST", "/v1/journeys/validate", json=not_a_journey)
        assert response.status_code == 200
        assert response.json()["valid"] is False


async def test_simulate_matches_the_simulator(api: Api) -> None:
    document = journey_document("simulate-one")
    await api.as_role("editor", "POST", "/v1/journeys", json=document)
    response = await api.as_role(
        "viewer", "POST", "/v1/journeys/simulate-one/simulate", json={"events": EVENTS}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    expected = simulate([load_journey(document)], read_inputs([json.dumps(e) for e in EVENTS]))
    assert body == expected.to_document()
    sent = [(c["step_id"], c["channel"], c["template"]) for c in body["commands"]]
    assert ("welcome", "email", "welcome-email") in sent
    kinds = {t["kind"] for t in body["transitions"]}
    assert {"entered", "milestone_entered"} <= kinds

    stop = await api.as_role(
        "viewer",
        "POST",
        "/v1/journeys/simulate-one/simulate",
        json={"events": EVENTS, "until": "2026-01-05T12:00:00Z"},
    )
    # Before the wait_for timeout (3 days), no nudge is sent.
    assert [c["step_id"] for c in stop.json()["commands"]] == ["welcome"]


async def test_simulate_rejects_bad_inputs_naming_the_event(api: Api) -> None:
    await api.as_role("editor", "POST", "/v1/journeys", json=journey_document("simulate-two"))
    bad = [*EVENTS, {"type": "teleport", "customer_id": "c1", "timestamp": "2026-01-05T10:00:02Z"}]
    response = await api.as_role(
        "viewer", "POST", "/v1/journeys/simulate-two/simulate", json={"events": bad}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "events[3]"
    response = await api.as_role(
        "viewer", "POST", "/v1/journeys/no-such-journey/simulate", json={"events": EVENTS}
    )
    assert response.status_code == 404

"""Every lifecycle transition through the API, and the 409s of the ones not allowed."""

from __future__ import annotations

import pytest

from .support import Api, journey_document

pytestmark = pytest.mark.timeout(120)


async def _create(api: Api, journey_id: str) -> None:
    await api.create_templates("welcome-email", "nudge-sms")
    response = await api.as_role(
        "editor", "POST", "/v1/journeys", json=journey_document(journey_id)
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "draft"
    assert body["version"] is None


async def _post(api: Api, journey_id: str, verb: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = await api.as_role("editor", "POST", f"/v1/journeys/{journey_id}/{verb}")
    return response.status_code, response.json()


async def test_create_activate_pause_resume_archive_delete(api: Api) -> None:
    await _create(api, "lifecycle-one")

    status, body = await _post(api, "lifecycle-one", "activate")
    assert status == 200, body
    assert (body["status"], body["version"]) == ("active", 1)

    status, body = await _post(api, "lifecycle-one", "pause")
    assert (status, body["status"], body["version"]) == (200, "paused", 1)

    status, body = await _post(api, "lifecycle-one", "resume")
    assert (status, body["status"]) == (200, "active")

    status, body = await _post(api, "lifecycle-one", "archive")
    assert (status, body["status"]) == (200, "archived")

    response = await api.as_role("admin", "DELETE", "/v1/journeys/lifecycle-one")
    assert response.status_code == 204
    response = await api.as_role("viewer", "GET", "/v1/journeys/lifecycle-one")
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "id"


async def test_transitions_not_allowed_are_409_with_the_reason(api: Api) -> None:
    await _create(api, "lifecycle-two")
    # A draft was never published: it can be neither paused, resumed nor archived.
    for verb in ("pause", "resume", "archive"):
        status, body = await _post(api, "lifecycle-two", verb)
        assert status == 409, verb
        assert "draft" in body["errors"][0]["reason"]

    await _post(api, "lifecycle-two", "activate")
    status, body = await _post(api, "lifecycle-two", "activate")
    assert status == 409
    assert "active" in body["errors"][0]["reason"]
    status, body = await _post(api, "lifecycle-two", "resume")
    assert status == 409

    # An active journey cannot be deleted: it must be archived first.
    response = await api.as_role("admin", "DELETE", "/v1/journeys/lifecycle-two")
    assert response.status_code == 409
    assert "archive it first" in response.json()["errors"][0]["reason"]

    await _post(api, "lifecycle-two", "pause")
    response = await api.as_role("admin", "DELETE", "/v1/journeys/lifecycle-two")
    assert response.status_code == 409
    assert "paused" in response.json()["errors"][0]["reason"]
    status, body = await _post(api, "lifecycle-two", "activate")
    assert status == 409
    assert "resume it instead" in body["errors"][0]["reason"]

    await _post(api, "lifecycle-two", "archive")
    for verb in ("activate", "pause", "resume", "archive"):
        status, body = await _post(api, "lifecycle-two", verb)
        assert status == 409, verb
        assert "archived" in body["errors"][0]["reason"]
    edited = journey_document("lifecycle-two")
    edited["name"] = "Changed"
    response = await api.as_role("editor", "PUT", "/v1/journeys/lifecycle-two", json=edited)
    assert response.status_code == 409


async def test_draft_is_edited_in_place_and_deleted(api: Api) -> None:
    await _create(api, "lifecycle-draft")
    edited = journey_document("lifecycle-draft")
    edited["name"] = "Renamed draft"
    response = await api.as_role("editor", "PUT", "/v1/journeys/lifecycle-draft", json=edited)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["published_version"] is None
    assert body["journey"]["name"] == "Renamed draft"
    assert body["journey"]["status"] == "draft"
    versions = await api.as_role("viewer", "GET", "/v1/journeys/lifecycle-draft/versions")
    assert versions.json()["versions"] == []

    response = await api.as_role("admin", "DELETE", "/v1/journeys/lifecycle-draft")
    assert response.status_code == 204


async def test_duplicate_id_and_invalid_definition_are_refused(api: Api) -> None:
    await _create(api, "lifecycle-dup")
    response = await api.as_role(
        "editor", "POST", "/v1/journeys", json=journey_document("lifecycle-dup")
    )
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"field": "id", "reason": "a journey with id 'lifecycle-dup' exists already"}
    ]

    broken = journey_document("lifecycle-bad")
    broken["milestones"][0]["steps"][0]["send"]["channel"] = "fax"
    response = await api.as_role("editor", "POST", "/v1/journeys", json=broken)
    assert response.status_code == 422
    fields = [error["field"] for error in response.json()["errors"]]
    assert "milestones[0].steps[0].send.channel" in fields


async def test_activation_checks_templates_exist(api: Api) -> None:
    document = journey_document("lifecycle-tpl", subject_template="missing-template")
    response = await api.as_role("editor", "POST", "/v1/journeys", json=document)
    assert response.status_code == 201
    status, body = await _post(api, "lifecycle-tpl", "activate")
    assert status == 422
    assert body["errors"][0]["field"] == "milestones[0].steps[0].send.template"
    assert "missing-template" in body["errors"][0]["reason"]


async def test_list_filters_by_type_and_status(api: Api) -> None:
    await _create(api, "list-active")
    await _post(api, "list-active", "activate")
    transactional = journey_document("list-draft-tx")
    transactional["type"] = "transactional"
    transactional["milestones"][0]["steps"] = [transactional["milestones"][0]["steps"][1]]
    response = await api.as_role("editor", "POST", "/v1/journeys", json=transactional)
    assert response.status_code == 201, response.text

    async def ids(query: str) -> list[str]:
        response = await api.as_role("viewer", "GET", f"/v1/journeys{query}")
        assert response.status_code == 200
        return [journey["id"] for journey in response.json()["journeys"]]

    assert await ids("") == ["list-active", "list-draft-tx"]
    assert await ids("?status=active") == ["list-active"]
    assert await ids("?type=transactional") == ["list-draft-tx"]
    assert await ids("?type=transactional&status=active") == []
    response = await api.as_role("viewer", "GET", "/v1/journeys?status=running")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"

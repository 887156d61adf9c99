"""Templates CRUD: category and channel parts, Jinja2 syntax checked at save, versions raised."""

from __future__ import annotations

import pytest

from .support import Api, journey_document, template_document

pytestmark = pytest.mark.timeout(60)


async def test_create_read_list_replace_delete(api: Api) -> None:
    response = await api.as_role("editor", "POST", "/v1/templates", json=template_document("t-one"))
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["version"], created["category"]) == (1, "marketing")
    assert created["updated_at"] is not None
    transactional = template_document("t-two", category="transactional")
    assert (
        await api.as_role("editor", "POST", "/v1/templates", json=transactional)
    ).status_code == 201

    got = (await api.as_role("viewer", "GET", "/v1/templates/t-one")).json()
    assert got["channels"]["email"]["subject"] == "Welcome {{ profile.first_name }}"
    listed = (await api.as_role("viewer", "GET", "/v1/templates?category=transactional")).json()
    assert [t["id"] for t in listed["templates"]] == ["t-two"]

    changed = template_document("t-one")
    changed["channels"]["push"] = {
        "title": "Hi",
        "body": "{{ profile.first_name }}",
        "data": {"screen": "home"},
    }
    response = await api.as_role("editor", "PUT", "/v1/templates/t-one", json=changed)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    assert (await api.as_role("viewer", "GET", "/v1/templates/t-one")).json()["channels"]["push"][
        "data"
    ] == {"screen": "home"}

    response = await api.as_role("editor", "PUT", "/v1/templates/t-other", json=changed)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "id"
    missing = template_document("t-missing")
    assert (
        await api.as_role("editor", "PUT", "/v1/templates/t-missing", json=missing)
    ).status_code == 404
    response = await api.as_role("editor", "POST", "/v1/templates", json=template_document("t-one"))
    assert response.status_code == 409

    assert (await api.as_role("admin", "DELETE", "/v1/templates/t-two")).status_code == 204
    assert (await api.as_role("admin", "DELETE", "/v1/templates/t-two")).status_code == 404
    assert (await api.as_role("viewer", "GET", "/v1/templates/t-two")).status_code == 404


async def test_syntax_errors_are_400_naming_every_field(api: Api) -> None:
    broken = template_document("t-broken")
    broken["channels"]["email"]["subject"] = "Welcome {{ profile.first_name"
    broken["channels"]["sms"]["body"] = "Hi\n{% if profile.vip %}VIP"
    response = await api.as_role("editor", "POST", "/v1/templates", json=broken)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["channels.email.subject", "channels.sms.body"]
    assert errors[0]["reason"].startswith("line 1: ")
    assert errors[1]["reason"].startswith("line 2: ")
    assert (await api.as_role("viewer", "GET", "/v1/templates/t-broken")).status_code == 404

    push = template_document("t-push")
    push["channels"]["push"] = {"title": "T", "body": "B", "data": {"deep.link": "{{ x }}"}}
    response = await api.as_role("editor", "POST", "/v1/templates", json=push)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "channels.push.data"
    push["channels"]["push"]["data"] = {"link": "{{ x "}
    response = await api.as_role("editor", "POST", "/v1/templates", json=push)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "channels.push.data.link"

    shapeless = {"id": "t-shape", "category": "promo", "channels": {}}
    response = await api.as_role("editor", "POST", "/v1/templates", json=shapeless)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"category", "channels"} <= fields


async def test_a_webhook_only_template_is_created_and_sent_by_a_live_journey(api: Api) -> None:
    hook = {"id": "crm-escalation", "category": "marketing", "channels": {"webhook": {}}}
    response = await api.as_role("editor", "POST", "/v1/templates", json=hook)
    assert response.status_code == 201, response.text
    got = (await api.as_role("viewer", "GET", "/v1/templates/crm-escalation")).json()
    assert got["channels"] == {"email": None, "sms": None, "push": None, "webhook": {}}

    await api.create_templates("welcome-email", "nudge-sms")
    document = journey_document("escalates")
    document["milestones"][0]["steps"].append(
        {"id": "escalate", "send": {"channel": "webhook", "template": "crm-escalation"}}
    )
    assert (await api.as_role("editor", "POST", "/v1/journeys", json=document)).status_code == 201
    activated = await api.as_role("editor", "POST", "/v1/journeys/escalates/activate")
    assert activated.status_code == 200, activated.text


async def test_a_template_without_any_part_is_refused_naming_channels(api: Api) -> None:
    for channels in ({}, {"email": None, "sms": None, "push": None, "webhook": None}):
        empty = {"id": "t-empty", "category": "marketing", "channels": channels}
        response = await api.as_role("editor", "POST", "/v1/templates", json=empty)
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert error["field"] == "channels"
        assert "at least one channel part" in error["reason"]
    assert (await api.as_role("viewer", "GET", "/v1/templates/t-empty")).status_code == 404


async def test_template_sent_by_a_live_journey_cannot_be_deleted(api: Api) -> None:
    await api.create_templates("welcome-email", "nudge-sms")
    await api.as_role("editor", "POST", "/v1/journeys", json=journey_document("uses-templates"))
    await api.as_role("editor", "POST", "/v1/journeys/uses-templates/activate")
    response = await api.as_role("admin", "DELETE", "/v1/templates/welcome-email")
    assert response.status_code == 409
    assert "uses-templates" in response.json()["errors"][0]["reason"]


async def test_transactional_journey_cannot_send_a_marketing_template(api: Api) -> None:
    await api.create_templates("welcome-email", "nudge-sms")
    document = journey_document("tx-with-marketing")
    document["type"] = "transactional"
    await api.as_role("editor", "POST", "/v1/journeys", json=document)
    response = await api.as_role("editor", "POST", "/v1/journeys/tx-with-marketing/activate")
    assert response.status_code == 422
    assert "marketing template" in response.json()["errors"][0]["reason"]

"""`POST /v1/journeys/parse` and `/yaml`: a journey as YAML text and back, and why a text is
refused (the field `text` and the reason)."""

from __future__ import annotations

import pytest

from .support import Api, journey_document

pytestmark = pytest.mark.timeout(60)

YAML = """\
id: quiet-welcome
name: Quiet Welcome
type: marketing
trigger: {event: signed_up}
quiet_hours: {start: "21:00", end: "08:00"}
milestones:
  - id: main
    steps:
      - id: hello
        send: {channel: email, template: welcome-email}
      - id: tag
        update:
          set: {profile.greeted: yes}
"""


async def test_yaml_text_becomes_the_document_and_back(api: Api) -> None:
    parsed = await api.as_role("viewer", "POST", "/v1/journeys/parse", json={"text": YAML})
    assert parsed.status_code == 200, parsed.text
    document = parsed.json()["document"]
    assert document["quiet_hours"] == {"start": "21:00", "end": "08:00"}
    # YAML 1.2 words: `yes` stays a string, as `waymark validate` reads it.
    assert document["milestones"][0]["steps"][1]["update"]["set"] == {"profile.greeted": "yes"}

    written = await api.as_role("viewer", "POST", "/v1/journeys/yaml", json=document)
    assert written.status_code == 200, written.text
    text = written.json()["text"]
    assert text.startswith("id: quiet-welcome\nname: Quiet Welcome\n")
    again = await api.as_role("viewer", "POST", "/v1/journeys/parse", json={"text": text})
    assert again.json()["document"] == document

    as_json = await api.as_role(
        "viewer", "POST", "/v1/journeys/parse", json={"text": '{"id": "from-json", "n": 1}'}
    )
    assert as_json.json()["document"] == {"id": "from-json", "n": 1}


async def test_an_invalid_draft_still_has_a_yaml_form(api: Api) -> None:
    draft = journey_document("half-done")
    draft["milestones"][0]["steps"] = [{"id": "new-step"}]
    written = await api.as_role("viewer", "POST", "/v1/journeys/yaml", json=draft)
    assert written.status_code == 200
    assert "- id: new-step" in written.json()["text"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("id: a\n  name: [unclosed", "line 2, column"),
        ("- just\n- a list\n", "a journey is a mapping"),
        ("welcome.yaml", "a journey is a mapping"),
        ("id: a\npayload: !!binary aGVsbG8=\n", "type bytes has no JSON form"),
        ("id: a\n1: number key\n", "key 1 is not a string"),
        ("id: a\nweight: .nan\n", "finite"),
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
            "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
            "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
            "f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
            "more than 100000 values",
        ),
    ],
)
async def test_unusable_text_is_refused_naming_text(api: Api, text: str, reason: str) -> None:
    response = await api.as_role("viewer", "POST", "/v1/journeys/parse", json={"text": text})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "text"
    assert reason in error["reason"]


async def test_bad_bodies_and_tokens_are_refused(api: Api) -> None:
    empty = await api.as_role("viewer", "POST", "/v1/journeys/parse", json={"text": ""})
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "text"
    extra = await api.as_role("viewer", "POST", "/v1/journeys/parse", json={"txt": "id: a"})
    assert extra.status_code == 422
    not_object = await api.as_role("viewer", "POST", "/v1/journeys/yaml", json=[1, 2])
    assert not_object.status_code == 422
    assert not_object.json()["errors"] == [
        {"field": "body", "reason": "a journey is a JSON object"}
    ]
    anonymous = await api.http.post("/v1/journeys/parse", json={"text": YAML})
    assert anonymous.status_code == 401

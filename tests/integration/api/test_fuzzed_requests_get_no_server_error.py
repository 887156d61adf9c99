"""Hypothesis over the OpenAPI document: no body, parameter or header gets a 5xx.

Every operation of `/openapi.json` gets requests whose path and query parameters and bodies
are drawn from its schemas, from arbitrary JSON, from near-valid journey documents and from
bytes that are not JSON at all. The transport re-raises any exception of the app, so a crash
fails the test even before its status code is looked at.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from .support import Api, bearer, journey_document

pytestmark = pytest.mark.timeout(600)

_JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
ANY_JSON = st.recursive(
    _JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
IDS = st.sampled_from(["fuzz-journey", "welcome-email", "validate", "x", "a" * 65, "", "%2F.."])


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def from_schema(schema: dict[str, Any], spec: dict[str, Any], depth: int = 0) -> Any:
    """A strategy for values of a JSON schema: mostly valid, sometimes not."""
    schema = _resolve(schema, spec)
    if depth > 4:
        return ANY_JSON
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return st.one_of([from_schema(s, spec, depth + 1) for s in schema[key]])
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        fixed = {k: from_schema(v, spec, depth + 1) for k, v in properties.items() if k in required}
        optional = {
            k: from_schema(v, spec, depth + 1) for k, v in properties.items() if k not in required
        }
        return st.fixed_dictionaries(fixed, optional=optional)
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), spec, depth + 1), max_size=3)
    if kind == "string":
        return st.text(max_size=40) | st.sampled_from(
            ["2026-01-05T10:00:00Z", "qa@example.com", "email", "marketing", "{{ x", "P3D"]
        )
    if kind == "integer":
        # Small numbers name existing versions; the rest probe the bounds.
        return st.integers(min_value=1, max_value=3) | st.integers(-(2**40), 2**40)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    return ANY_JSON


def near_valid_journeys() -> st.SearchStrategy[dict[str, Any]]:
    """A valid journey with one part replaced by arbitrary JSON."""
    base = journey_document("fuzz-journey")

    def mutate(args: tuple[str, Any]) -> dict[str, Any]:
        path, value = args
        document = json.loads(json.dumps(base))
        target: Any = document
        *parents, last = path.split("/")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
        return document

    paths = st.sampled_from(
        [
            "id",
            "type",
            "trigger",
            "reentry",
            "milestones",
            "milestones/0/entry",
            "milestones/0/steps/0",
            "milestones/0/steps/1/wait_for",
            "milestones/0/steps/2/update/set",
            "goal",
            "quiet_hours",
        ]
    )
    return st.tuples(paths, ANY_JSON).map(mutate) | st.just(base)


TIMESTAMPS = st.sampled_from(
    ["2026-01-05T10:00:00Z", "2026-01-05T10:00:01Z", "2026-01-09T00:00:00+02:00", "2026-01-05"]
)
SIMULATOR_INPUTS = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {
                "type": st.just("identify"),
                "customer_id": st.sampled_from(["c1", "c2"]),
                "traits": st.dictionaries(
                    st.sampled_from(["email", "phone", "timezone"]), ANY_JSON
                ),
                "timestamp": TIMESTAMPS,
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.just("track"),
                "customer_id": st.sampled_from(["c1", "c2"]),
                "event": st.sampled_from(["signed_up", "order_completed", "other"]),
                "properties": st.dictionaries(st.text(max_size=8), ANY_JSON, max_size=3),
                "timestamp": TIMESTAMPS,
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.just("consent"),
                "customer_id": st.just("c1"),
                "channel": st.sampled_from(["email", "sms", "fax"]),
                "granted": st.booleans() | ANY_JSON,
                "timestamp": TIMESTAMPS,
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.just("outcome"),
                "customer_id": st.just("c1"),
                "step": st.sampled_from(["welcome", "nudge", "nope"]),
                "status": st.sampled_from(["opened", "clicked", "bounced", "??"]),
                "timestamp": TIMESTAMPS,
            }
        ),
    ),
    max_size=6,
).map(lambda events: {"events": events})


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            found.append((method.upper(), path, operation))
    return found


@st.composite
def requests(draw: st.DrawFn, spec: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """One request to one operation of the spec."""
    method, path, operation = draw(st.sampled_from(_operations(spec)))
    query: dict[str, Any] = {}
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter["in"] == "path":
            value = draw(
                st.just("fuzz-journey")
                | IDS
                | from_schema(schema, spec).map(str)
                | st.text(min_size=1, max_size=8)
            )
            path = path.replace("{" + parameter["name"] + "}", quote(str(value), safe="") or "_")
        elif parameter["in"] == "query" and (
            (parameter.get("required") and draw(st.integers(0, 9))) or draw(st.booleans())
        ):
            query[parameter["name"]] = draw(from_schema(schema, spec) | st.text(max_size=10))
    kwargs: dict[str, Any] = {"params": {k: str(v) for k, v in query.items()}}
    if "requestBody" in operation:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        body = draw(
            st.one_of(
                from_schema(schema, spec),
                near_valid_journeys(),
                SIMULATOR_INPUTS,
                ANY_JSON,
                st.binary(max_size=64).map(lambda raw: b"\x00" + raw),
                st.just(b'{"a": ' * 5000),
                st.just(b'{"a": ' * 900 + b"1" + b"}" * 900),
                st.just(b"[" * 3000 + b"]" * 3000),
                st.just(b'{"id": NaN, "name": Infinity}'),
                st.just(b"[" * 100_000),
                st.just(b" " * 70_000),
            )
        )
        if isinstance(body, bytes):
            kwargs["content"] = body
            kwargs["headers"] = {"content-type": "application/json"}
        else:
            kwargs["json"] = body
    role = draw(st.sampled_from(["admin", "admin", "admin", "editor", "viewer", "none"]))
    headers = dict(kwargs.pop("headers", {}))
    if role != "none":
        headers.update(bearer(role))
    kwargs["headers"] = headers
    return method, path, kwargs


@pytest.fixture
async def spec(api: Api) -> dict[str, Any]:
    """The OpenAPI document the app serves, and an active journey for requests to reach."""
    await api.create_templates("welcome-email", "nudge-sms")
    document = journey_document("fuzz-journey")
    await api.as_role("editor", "POST", "/v1/journeys", json=document)
    await api.as_role("editor", "POST", "/v1/journeys/fuzz-journey/activate")
    document["name"] = "Second version"
    await api.as_role("editor", "PUT", "/v1/journeys/fuzz-journey", json=document)
    document: dict[str, Any] = (await api.http.get("/openapi.json")).json()
    assert len(_operations(document)) >= 20
    return document


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@given(data=st.data())
async def test_no_request_gets_a_server_error(
    api: Api, spec: dict[str, Any], data: st.DataObject
) -> None:
    method, path, kwargs = data.draw(requests(spec))
    response = await api.http.request(method, path, **kwargs)
    event(f"{response.status_code}")
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        errors = response.json()["errors"]
        assert errors
        assert all(set(error) == {"field", "reason"} for error in errors)

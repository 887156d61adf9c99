"""Bearer tokens: 401 without a known token, 403 when the role is too low, with the reason."""

from __future__ import annotations

import pytest

from .support import Api, journey_document

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "an Authorization: Bearer <token> header is required"),
        (
            {"Authorization": "Basic dXNlcjpwYXNz"},
            "the Authorization header must be 'Bearer <token>'",
        ),
        ({"Authorization": "Bearer "}, "the Authorization header must be 'Bearer <token>'"),
        ({"Authorization": "Bearer not-a-token"}, "the bearer token is not known"),
    ],
)
async def test_missing_or_unknown_token_is_401(
    api: Api, headers: dict[str, str], reason: str
) -> None:
    for method, url in [
        ("GET", "/v1/journeys"),
        ("GET", "/v1/templates"),
        ("POST", "/v1/journeys"),
    ]:
        response = await api.http.request(method, url, headers=headers, json={})
        assert response.status_code == 401, (method, url)
        assert response.json() == {"errors": [{"field": "authorization", "reason": reason}]}


async def test_viewer_reads_editor_writes_admin_deletes(api: Api) -> None:
    document = journey_document("roles-one")
    response = await api.as_role("viewer", "POST", "/v1/journeys", json=document)
    assert response.status_code == 403
    assert response.json()["errors"][0]["reason"] == (
        "this needs the editor role; the token has the viewer role"
    )
    assert (await api.as_role("editor", "POST", "/v1/journeys", json=document)).status_code == 201
    assert (await api.as_role("viewer", "GET", "/v1/journeys/roles-one")).status_code == 200
    assert (await api.as_role("viewer", "GET", "/v1/journeys")).status_code == 200
    response = await api.as_role("viewer", "POST", "/v1/journeys/roles-one/activate")
    assert response.status_code == 403

    response = await api.as_role("editor", "DELETE", "/v1/journeys/roles-one")
    assert response.status_code == 403
    assert "admin role" in response.json()["errors"][0]["reason"]
    assert (await api.as_role("admin", "DELETE", "/v1/journeys/roles-one")).status_code == 204

    response = await api.as_role("viewer", "POST", "/v1/templates", json={"id": "x"})
    assert response.status_code == 403
    response = await api.as_role("editor", "DELETE", "/v1/templates/x")
    assert response.status_code == 403


async def test_probes_metrics_and_openapi_need_no_token(api: Api) -> None:
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    ready = await api.http.get("/readyz")
    assert ready.status_code == 200, ready.text
    await api.as_role("viewer", "GET", "/v1/journeys")
    metrics = await api.http.get("/metrics")
    assert metrics.status_code == 200
    assert 'waymark_engine_api_requests_total{method="GET",route="/v1/journeys",status="200"}' in (
        metrics.text
    )
    spec = (await api.http.get("/openapi.json")).json()
    assert "/v1/journeys/{journey_id}/diff" in spec["paths"]
    assert "bearer" in str(spec["components"]["securitySchemes"]).lower()

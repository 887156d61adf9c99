"""The analytics OpenAPI document lists every route of the issue with its parameters, and each
documents its refusals."""

from __future__ import annotations

from typing import Any

from waymark.analytics.app import create_app
from waymark.analytics.queries import Reader
from waymark.analytics.views import Views
from waymark.core.adapters.readiness import Readiness


async def _ready() -> Readiness:
    return Readiness({})


def _document() -> dict[str, Any]:
    views = Views(Reader(None))  # type: ignore[arg-type]  # never queried here
    return create_app(views, (list, _ready)).openapi()


def test_every_route_is_documented_with_its_parameters() -> None:
    paths = _document()["paths"]
    parameters = {
        path: sorted(p["name"] for p in item["get"].get("parameters", []))
        for path, item in paths.items()
    }
    assert parameters == {
        "/healthz": [],
        "/readyz": [],
        "/metrics": [],
        "/v1/journeys/stats": ["type"],
        "/v1/journeys/{journey_id}/summary": ["journey_id"],
        "/v1/journeys/{journey_id}/steps": ["journey_id", "version"],
        "/v1/journeys/{journey_id}/funnel": ["journey_id", "version"],
        "/v1/journeys/{journey_id}/messages": ["journey_id", "version"],
        "/v1/journeys/{journey_id}/lift": ["journey_id", "step_id"],
        "/v1/journeys/{journey_id}/timeseries": ["days", "journey_id", "metric", "until"],
        "/v1/customers/{customer_id}/trace": ["customer_id", "limit"],
    }


def test_refusals_are_documented() -> None:
    paths = _document()["paths"]
    assert set(paths["/v1/journeys/{journey_id}/lift"]["get"]["responses"]) >= {
        "200",
        "404",
        "409",
        "422",
        "503",
    }
    assert set(paths["/v1/customers/{customer_id}/trace"]["get"]["responses"]) >= {
        "200",
        "422",
        "503",
    }

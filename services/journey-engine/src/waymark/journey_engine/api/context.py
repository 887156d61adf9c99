"""What the routes work with, built once by `bootstrap` and held on the app's state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request

from waymark.core.adapters.readiness import Readiness
from waymark.journey_engine.api.auth import TokenAuth
from waymark.journey_engine.api.lifecycle import Journeys, TemplateCatalogSource
from waymark.journey_engine.api.publisher import VersionPublisher
from waymark.journey_engine.api.settings import ApiSettings
from waymark.journey_engine.api.template_store import TemplateStore
from waymark.journey_engine.api.testsend import TestSends

__all__ = ["ApiContext", "context"]


@dataclass(frozen=True, slots=True)
class ApiContext:
    """The API's handlers and adapters, wired by the composition root."""

    settings: ApiSettings
    auth: TokenAuth
    journeys: Journeys
    publisher: VersionPublisher
    templates: TemplateStore
    template_catalog: TemplateCatalogSource
    test_sends: TestSends
    ready: Callable[[], Awaitable[Readiness]]
    clock: Callable[[], datetime]


def context(request: Request) -> ApiContext:
    """FastAPI dependency: the context of the running app."""
    ctx: ApiContext = request.app.state.services
    return ctx

"""The API (console included) served on a loopback port, and a headless Chromium page on it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, Route, sync_playwright

from integration.api.support import TOKENS, api_settings, template_document
from integration.served import serve_in_thread
from waymark.core.settings import KafkaSettings, MongoSettings
from waymark.journey_engine.api.app import create_app
from waymark.journey_engine.api.bootstrap import bootstrap

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "browser"
TEMPLATES = {"welcome-email": "marketing", "receipt-email": "transactional"}

pytestmark = pytest.mark.timeout(120)


def token_of(role: str) -> str:
    """The test token with this role."""
    return str(next(token for token, r in TOKENS.items() if r == role))


@pytest.fixture
def console_url(kafka_topics: KafkaSettings, mongo_db: Any, mongo_url: str) -> Iterator[str]:
    """The API served in a thread on the test's topics and database, with its templates."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run tests/browser/install-chromium.sh", pytrace=False)
    mongo = MongoSettings(url=mongo_url, database=mongo_db.name)
    # bootstrap runs inside the server's thread, so its clients live on that thread's loop.
    app = create_app(lambda: bootstrap(api_settings(), kafka_topics, mongo), max_body_bytes=65536)
    with serve_in_thread(app) as url:
        for template_id, category in TEMPLATES.items():
            call_api(
                url, "editor", "POST", "/v1/templates", template_document(template_id, category)
            )
        yield url


@pytest.fixture
def page() -> Iterator[Page]:
    """A 1280 px page of Debian's Chromium, headless, fresh profile, loopback traffic only."""
    profile = tempfile.mkdtemp(prefix="waymark-chromium-")
    outside: list[str] = []

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname in {"127.0.0.1", "localhost"}:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 900},
            )
            context.set_default_timeout(15_000)
            context.route("**/*", only_loopback)
            try:
                yield context.new_page()
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert not outside, f"the console asked for assets outside the machine: {outside}"


def call_api(url: str, role: str, method: str, path: str, body: Any = None) -> Any:
    """One API request with the token of `role`; the parsed body (None for 204)."""
    response = httpx.request(
        method,
        f"{url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {token_of(role)}"},
        timeout=30,
    )
    assert response.status_code < 300, response.text
    return response.json() if response.status_code != 204 else None


def sign_in(page: Page, url: str, role: str) -> None:
    """Open the console and sign in with the token of `role`."""
    page.goto(url)
    page.get_by_label("API token").fill(token_of(role))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {role}").wait_for()
    page.locator("#journeys-table[data-loaded]").wait_for(state="attached")


def screenshot(page: Page, name: str) -> None:
    """Save the page as checked under test-output/browser/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def journey(journey_id: str, category: str = "marketing") -> dict[str, Any]:
    """A valid journey of `category`: signed_up → an email → wait → an update."""
    template = "welcome-email" if category == "marketing" else "receipt-email"
    return {
        "id": journey_id,
        "name": f"Journey {journey_id}",
        "type": category,
        "trigger": {"event": "signed_up"},
        "milestones": [
            {
                "id": "main",
                "steps": [
                    {"id": "hello", "send": {"channel": "email", "template": template}},
                    {"id": "pause", "wait": {"duration": "PT1H"}},
                    {"id": "tag", "update": {"set": {"profile.greeted": True}}},
                ],
            }
        ],
    }

"""The API (console included) served on a loopback port, and a headless Chromium page on it."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, Route, sync_playwright

# The process launchers of the integration suites import their shared `served` module by its
# top-level name, as they do when pytest runs them from tests/integration.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from integration.analytics.support import AnalyticsProcess
from integration.api.support import TOKENS, api_settings, template_document
from integration.ingest.support import WRITE_KEY, ingest_settings
from integration.served import serve_in_thread
from integration.worker.harness import WorkerProcess
from waymark.core.settings import KafkaSettings, MongoSettings
from waymark.journey_engine.api.app import create_app
from waymark.journey_engine.api.bootstrap import bootstrap
from waymark.trigger_ingest.bootstrap import bootstrap as ingest_bootstrap

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


def _wait(ready: Any, what: str, log_tail: Any, within: float = 90) -> None:
    deadline = time.monotonic() + within
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not ready; log tail:\n{log_tail()}", pytrace=False)
        time.sleep(0.3)


@dataclass
class LiveStack:
    """The console's API wired to a real engine worker, analytics and trigger-ingest."""

    console_url: str
    ingest_url: str
    analytics: AnalyticsProcess
    worker: WorkerProcess

    def ingest(self, route: str, body: dict[str, Any]) -> None:
        """One call to trigger-ingest with the test write key; it must be accepted."""
        response = httpx.post(f"{self.ingest_url}{route}", json=body, auth=(WRITE_KEY, ""))
        assert response.status_code == 202, response.text


@pytest.fixture
def live_stack(
    kafka_topics: KafkaSettings, mongo_db: Any, mongo_url: str, unique: str, tmp_path: Path
) -> Iterator[LiveStack]:
    """Worker and analytics as processes, ingest and the API served in threads, one prefix."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run tests/browser/install-chromium.sh", pytrace=False)
    analytics = AnalyticsProcess(
        kafka=kafka_topics,
        mongo_url=mongo_url,
        database=f"{mongo_db.name}a",
        group_id=f"analytics-{unique}",
        log_path=tmp_path / "analytics.log",
    )
    worker = WorkerProcess(
        kafka_topics,
        app_id=f"engine-{unique}",
        data_dir=tmp_path / "worker",
        log_path=tmp_path / "worker.log",
    )
    mongo = MongoSettings(url=mongo_url, database=mongo_db.name)
    settings = api_settings(analytics_url=analytics.url)
    app = create_app(lambda: bootstrap(settings, kafka_topics, mongo), max_body_bytes=65536)
    try:
        analytics.start()
        worker.start()
        with (
            serve_in_thread(ingest_bootstrap(ingest_settings(), kafka_topics)) as ingest_url,
            serve_in_thread(app) as url,
        ):
            for template_id, category in TEMPLATES.items():
                call_api(
                    url, "editor", "POST", "/v1/templates", template_document(template_id, category)
                )
            _wait(lambda: analytics.status("/readyz") == 200, "analytics", analytics.log_tail)
            _wait(worker.ready, "the engine worker", worker.log_tail)
            _wait(
                lambda: httpx.get(f"{ingest_url}/readyz").status_code == 200,
                "trigger-ingest",
                lambda: "",
            )
            yield LiveStack(url, ingest_url, analytics, worker)
    finally:
        worker.stop()
        analytics.stop()


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

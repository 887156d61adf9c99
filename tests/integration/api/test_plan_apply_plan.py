"""`waymark plan`, `apply`, `plan` against the real API served by uvicorn on a loopback port."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from served import serve_in_thread
from typer.testing import CliRunner

from waymark.core.cli import app as cli
from waymark.core.settings import KafkaSettings, MongoSettings
from waymark.journey_engine.api.app import create_app
from waymark.journey_engine.api.bootstrap import bootstrap

from .support import api_settings, bearer, journey_document, template_document

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def served(kafka_topics: KafkaSettings, mongo_db: Any, mongo_url: str) -> Iterator[str]:
    """The API on 127.0.0.1 in a thread of its own (its own event loop and clients)."""
    mongo = MongoSettings(url=mongo_url, database=mongo_db.name)
    app = create_app(
        lambda: bootstrap(api_settings(), kafka_topics, mongo), max_body_bytes=1_048_576
    )
    with serve_in_thread(app) as url:
        yield url


def _waymark(*args: str, url: str) -> tuple[int, str]:
    """Exit code and output, with runs of spaces made one (the columns' padding)."""
    result = CliRunner().invoke(
        cli, [*args, "--api", url], env={"WAYMARK_API_TOKEN": "editor-token"}
    )
    return result.exit_code, "\n".join(
        " ".join(line.split()) for line in result.output.splitlines()
    )


def _write(directory: Path, document: dict[str, Any]) -> None:
    (directory / f"{document['id']}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def test_plan_apply_plan_shows_no_change(served: str, tmp_path: Path) -> None:
    with httpx.Client(base_url=served, headers=bearer("editor")) as http:
        for template in ("welcome-email", "nudge-sms"):
            assert http.post("/v1/templates", json=template_document(template)).status_code == 201
    onboarding = journey_document("plan-onboarding")
    _write(tmp_path, onboarding)
    _write(tmp_path, journey_document("plan-second"))

    code, out = _waymark("plan", str(tmp_path), url=served)
    assert code == 0, out
    assert "+ create plan-onboarding from plan-onboarding.yaml" in out
    assert "+ create plan-second from plan-second.yaml" in out
    assert "Plan: 2 to create" in out

    code, out = _waymark("apply", str(tmp_path), url=served)
    assert code == 0, out
    assert "Applied: 2 changes." in out

    code, out = _waymark("plan", str(tmp_path), url=served)
    assert code == 0, out
    assert "No changes. 2 journeys unchanged." in out
    code, out = _waymark("plan", str(tmp_path), "--json", url=served)
    assert [a["action"] for a in json.loads(out)["actions"]] == ["unchanged", "unchanged"]

    with httpx.Client(base_url=served, headers=bearer("viewer")) as http:
        listed = http.get("/v1/journeys").json()["journeys"]
    assert [(j["id"], j["status"], j["version"]) for j in listed] == [
        ("plan-onboarding", "active", 1),
        ("plan-second", "active", 1),
    ]

    # An edit becomes a new version, with the (still unknown) customers inside the old one.
    onboarding["name"] = "Onboarding, second edition"
    _write(tmp_path, onboarding)
    code, out = _waymark("plan", str(tmp_path), url=served)
    assert "~ new version plan-onboarding v1 -> v2, customers inside v1: unknown" in out
    assert _waymark("apply", str(tmp_path), url=served)[0] == 0
    code, out = _waymark("plan", str(tmp_path), url=served)
    assert "No changes." in out

    # A journey whose file is gone is archived, only with --prune.
    (tmp_path / "plan-second.yaml").unlink()
    code, out = _waymark("plan", str(tmp_path), url=served)
    assert "No changes. 1 journeys unchanged." in out
    code, out = _waymark("plan", str(tmp_path), "--prune", url=served)
    assert "- archive plan-second active on the server, not in the directory" in out
    assert _waymark("apply", str(tmp_path), "--prune", url=served)[0] == 0
    code, out = _waymark("plan", str(tmp_path), "--prune", url=served)
    assert "No changes." in out
    with httpx.Client(base_url=served, headers=bearer("viewer")) as http:
        assert http.get("/v1/journeys/plan-second").json()["status"] == "archived"
        assert http.get("/v1/journeys/plan-onboarding").json()["version"] == 2


def test_invalid_files_and_bad_tokens_fail_with_the_reason(served: str, tmp_path: Path) -> None:
    broken = journey_document("plan-broken")
    broken["milestones"][0]["steps"][0]["send"]["channel"] = "fax"
    _write(tmp_path, broken)
    code, out = _waymark("plan", str(tmp_path), url=served)
    assert code == 1
    assert "plan-broken.yaml: milestones[0].steps[0].send.channel" in out

    (tmp_path / "plan-broken.yaml").unlink()
    result = CliRunner().invoke(
        cli, ["plan", str(tmp_path), "--api", served, "--token", "wrong-token"]
    )
    assert result.exit_code == 1
    assert "401 authorization: the bearer token is not known" in result.output

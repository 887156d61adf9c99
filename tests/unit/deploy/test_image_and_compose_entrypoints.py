"""The image's entrypoints are the workspace's console scripts, and compose runs those."""

from __future__ import annotations

import re
import shlex
import tomllib
from typing import Any

import yaml

from .conftest import ROOT

DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
COMPOSE = ROOT / "deploy" / "compose" / "compose.yaml"
SERVICES = {
    "waymark-ingest",
    "waymark-engine-worker",
    "waymark-engine-api",
    "waymark-dispatch",
    "waymark-analytics",
}


def image_entrypoints() -> set[str]:
    """The console scripts named by WAYMARK_ENTRYPOINTS in the Dockerfile."""
    match = re.search(r'^ENV WAYMARK_ENTRYPOINTS="([^"]+)"', DOCKERFILE.read_text(), re.M)
    assert match, "the Dockerfile declares ENV WAYMARK_ENTRYPOINTS"
    return set(match.group(1).split())


def workspace_scripts() -> set[str]:
    """Every [project.scripts] entry of the workspace's pyproject files."""
    scripts: set[str] = set()
    for path in [
        ROOT / "pyproject.toml",
        *ROOT.glob("libs/*/pyproject.toml"),
        *list(ROOT.glob("services/*/pyproject.toml")),
    ]:
        scripts |= set(tomllib.loads(path.read_text()).get("project", {}).get("scripts", {}))
    return scripts


def compose() -> dict[str, Any]:
    """The compose file, parsed (merge keys resolved)."""
    doc = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(doc, dict)
    return doc


def test_every_image_entrypoint_is_a_workspace_console_script() -> None:
    assert image_entrypoints() <= workspace_scripts()
    assert image_entrypoints() >= SERVICES | {"waymark"}


def test_image_runs_non_root_with_a_healthcheck_from_the_lock() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^USER 10001", text, re.M)
    assert re.search(r"^HEALTHCHECK ", text, re.M)
    assert "uv sync --frozen --no-dev" in text
    assert "/app/.venv" in text
    for image in re.findall(r"^ARG \w+_IMAGE=(\S+)", text, re.M):
        assert ":" in image, image
        assert not image.endswith(":latest"), image


def test_compose_runs_each_service_entrypoint_of_the_image() -> None:
    services = compose()["services"]
    commands = {
        name: service["command"][0]
        for name, service in services.items()
        if service["image"].startswith("${WAYMARK_IMAGE") and "entrypoint" not in service
    }
    assert set(commands.values()) <= image_entrypoints()
    assert set(commands.values()) >= SERVICES
    assert shlex.join(services["topics"]["command"]) == "waymark topics ensure"


def test_compose_has_the_platform_around_the_services() -> None:
    services = compose()["services"]
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert "broker,controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]
    assert {"mongo", "prometheus", "grafana", "mailpit", "demo", "topics"} <= set(services)
    for name, service in services.items():
        image = service.get("image", "")
        assert ":" in image, name
        assert not image.endswith(":latest"), name
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    prometheus = " ".join(services["prometheus"]["volumes"])
    assert "../observability/prometheus/prometheus.yml" in prometheus
    assert "../observability/prometheus/rules/" in prometheus
    assert "../observability/grafana/" in " ".join(services["grafana"]["volumes"])


def test_compose_holds_no_secret_values() -> None:
    for name, service in compose()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if any(w in key for w in ("TOKEN", "SECRET", "PASSWORD", "WRITE_KEY")):
                assert "${" in str(value), f"{name}: {key} must come from the environment"


def test_every_service_waits_for_the_topics_job() -> None:
    services = compose()["services"]
    for name, service in services.items():
        if (service.get("command") or [None])[0] in SERVICES:
            assert service["depends_on"]["topics"] == {
                "condition": "service_completed_successfully"
            }, name


def test_prometheus_scrapes_every_compose_service_on_its_port() -> None:
    services = compose()["services"]
    config = yaml.safe_load((ROOT / "deploy/observability/prometheus/prometheus.yml").read_text())
    scraped = {
        target
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    for target in scraped:
        host, port = target.split(":")
        assert host in services, f"{target}: no compose service {host}"
        published = {p.rsplit(":", 1)[-1] for p in services[host].get("ports", [])}
        env = {str(v) for v in (services[host].get("environment") or {}).values()}
        assert port in published | env, f"{target}: {host} does not listen on {port}"
    waymark = {
        name
        for name, service in services.items()
        if (service.get("command") or [""])[0] in SERVICES
    }
    assert waymark <= {t.split(":")[0] for t in scraped}, "a Waymark service is not scraped"

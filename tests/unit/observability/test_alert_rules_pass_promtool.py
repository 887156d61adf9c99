"""The alert rules and scrape config pass promtool, and every alert has a unit test."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .dashboard_queries import PROMETHEUS, PROMETHEUS_SERIES, declared_series, metric_names

REQUIRED_ALERTS = {
    "WaymarkConsumerLagGrowing",
    "WaymarkDeadLetterRecordsGrowing",
    "WaymarkSendFailureRatioHigh",
    "WaymarkNoEventsIngested",
    "WaymarkDecisionLatencyHigh",
    "WaymarkServiceDown",
}


def promtool() -> str:
    """The promtool binary, or a failure saying how to install it."""
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: run deploy/observability/install-tools.sh", pytrace=False)
    return found


def rule_files() -> list[Path]:
    return sorted((PROMETHEUS / "rules").glob("*.yml"))


def unit_test_files() -> list[Path]:
    return sorted((PROMETHEUS / "tests").glob("*.yml"))


def alerts() -> dict[str, str]:
    """Alert name to expression over every rule file."""
    found: dict[str, str] = {}
    for path in rule_files():
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    found[rule["alert"]] = rule["expr"]
    return found


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *map(str, args)],
        cwd=PROMETHEUS,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_promtool_check_rules_passes() -> None:
    assert rule_files()
    result = run("check", "rules", *rule_files())
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_test_rules_passes() -> None:
    assert unit_test_files()
    result = run("test", "rules", *unit_test_files())
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_check_config_passes() -> None:
    result = run("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_required_alert_exists() -> None:
    assert set(alerts()) >= REQUIRED_ALERTS


def test_every_alert_has_a_firing_and_a_quiet_unit_test() -> None:
    fired: set[str] = set()
    quiet: set[str] = set()
    for path in unit_test_files():
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (fired if check.get("exp_alerts") else quiet).add(check["alertname"])
    missing = {name for name in alerts() if name not in fired or name not in quiet}
    assert not missing, f"alerts without a firing and a quiet test case: {missing}"


def test_every_rule_names_only_declared_metrics() -> None:
    known = declared_series() | PROMETHEUS_SERIES
    for name, expr in alerts().items():
        unknown = metric_names(expr) - known
        assert not unknown, f"{name} names undeclared {unknown}"


def test_scrape_config_has_a_job_per_service_and_loads_the_rules() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert jobs == {
        "waymark-engine-api",
        "waymark-engine-worker",
        "waymark-dispatch",
        "waymark-analytics",
        "waymark-ingest",
    }
    assert "rules/*.yml" in config["rule_files"]

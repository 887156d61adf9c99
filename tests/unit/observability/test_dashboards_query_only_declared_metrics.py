"""Every dashboard parses, every panel queries, and every query names only declared metrics."""

from __future__ import annotations

import yaml

from .dashboard_queries import (
    OBSERVABILITY,
    PROMETHEUS_SERIES,
    dashboards,
    declared_series,
    expand,
    metric_names,
    panels,
)


def test_the_four_dashboards_exist_with_unique_uids() -> None:
    boards = dashboards()
    assert set(boards) >= {
        "platform-overview.json",
        "journey-detail.json",
        "delivery-and-channels.json",
        "engine-health.json",
    }
    uids = [b["uid"] for b in boards.values()]
    assert len(uids) == len(set(uids)), uids
    assert all(b["title"].startswith("Waymark / ") for b in boards.values())


def test_every_panel_has_a_query() -> None:
    for name, board in dashboards().items():
        found = list(panels(board))
        assert found, f"{name} has no panel"
        for panel in found:
            exprs = [t.get("expr", "").strip() for t in panel.get("targets", [])]
            assert exprs, f"{name}: panel {panel.get('title')!r} has no query"
            assert all(exprs), f"{name}: panel {panel.get('title')!r} has an empty query"


def test_every_query_names_only_declared_metrics() -> None:
    known = declared_series() | PROMETHEUS_SERIES
    for name, board in dashboards().items():
        for panel in panels(board):
            for target in panel["targets"]:
                names = metric_names(target["expr"])
                assert names, f"{name}: {panel['title']!r} selects no metric: {target['expr']}"
                unknown = names - known
                assert not unknown, f"{name}: {panel['title']!r} names undeclared {unknown}"


def test_journey_detail_is_templated_on_journey_and_every_query_uses_it() -> None:
    board = dashboards()["journey-detail.json"]
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert "journey" in variables
    assert "journey_id" in variables["journey"]["definition"]
    for panel in panels(board):
        for target in panel["targets"]:
            assert '$journey"' in target["expr"], f"{panel['title']!r} ignores $journey"


def test_every_variable_in_a_query_is_defined() -> None:
    for name, board in dashboards().items():
        for panel in panels(board):
            for target in panel["targets"]:
                expanded = expand(target["expr"], board)  # KeyError on an undefined variable
                assert "$" not in expanded, f"{name}: {expanded}"


def test_every_panel_uses_the_provisioned_datasource() -> None:
    provisioned = yaml.safe_load(
        (OBSERVABILITY / "grafana/provisioning/datasources/waymark.yml").read_text()
    )
    uids = {d["uid"] for d in provisioned["datasources"] if d["type"] == "prometheus"}
    for name, board in dashboards().items():
        for panel in panels(board):
            assert panel["datasource"]["uid"] in uids, f"{name}: {panel['title']!r}"
            for target in panel["targets"]:
                assert target["datasource"]["uid"] in uids, f"{name}: {panel['title']!r}"


def test_dashboard_provisioning_loads_files() -> None:
    provisioned = yaml.safe_load(
        (OBSERVABILITY / "grafana/provisioning/dashboards/waymark.yml").read_text()
    )
    (provider,) = provisioned["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"]


def test_metric_names_sees_selectors_and_ignores_functions_labels_and_ranges() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le, channel) (rate(foo_bucket{job=~"a.*",le!="x"}'
        "[$__rate_interval]))) / on (channel) group_left bar_total or vector(0) > bool 1e3"
    )
    assert metric_names(expr) == {"foo_bucket", "bar_total"}
    assert metric_names('up{job=~"waymark-.*"} == 0') == {"up"}


def test_declared_series_include_the_exposed_suffixes() -> None:
    known = declared_series()
    assert "waymark_dlq_records_total" in known
    assert "waymark_engine_decision_seconds_bucket" in known
    assert "waymark_engine_timers_pending" in known
    assert "waymark_dlq_records" not in known
    assert "waymark_engine_timers_pending_total" not in known

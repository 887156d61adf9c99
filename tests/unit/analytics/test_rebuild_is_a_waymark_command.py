"""`waymark analytics rebuild` is offered by the waymark command, found through the
`waymark.cli` entry points, so the core imports no service."""

from __future__ import annotations

from typer.testing import CliRunner

from waymark.core.cli import app


def test_waymark_analytics_rebuild_is_available() -> None:
    result = CliRunner().invoke(app, ["analytics", "rebuild", "--help"])
    assert result.exit_code == 0, result.output
    assert "--database" in result.output


def test_rebuild_without_its_database_names_the_option() -> None:
    result = CliRunner().invoke(app, ["analytics", "rebuild"])
    assert result.exit_code == 2
    assert "--database" in result.output

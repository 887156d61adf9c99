"""`waymark validate --templates` rejects a transactional journey sending a marketing template."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from waymark.core.cli import app

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "examples" / "templates.yaml"
ORDER = ROOT / "examples" / "journeys" / "order-confirmation.yaml"


def test_examples_pass_with_their_templates() -> None:
    result = CliRunner().invoke(app, ["validate", "--templates", str(TEMPLATES), str(ORDER)])
    assert result.exit_code == 0, result.output
    assert f"{ORDER}: ok" in result.output


def test_marketing_template_in_transactional_journey_is_refused(tmp_path: Path) -> None:
    text = ORDER.read_text(encoding="utf-8")
    assert "template: order-confirmation-email" in text
    bad = tmp_path / "order.yaml"
    bad.write_text(text.replace("template: order-confirmation-email", "template: welcome-email"))
    result = CliRunner().invoke(app, ["validate", "--templates", str(TEMPLATES), str(bad)])
    assert result.exit_code == 1
    assert "'welcome-email' is a marketing template" in result.output
    # Without the template list the same file is valid: the check needs the categories.
    assert CliRunner().invoke(app, ["validate", str(bad)]).exit_code == 0

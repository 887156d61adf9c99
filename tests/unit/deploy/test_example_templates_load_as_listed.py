"""`make run` stores every example template with exactly the channel parts examples/templates.yaml
lists, and the template model accepts each one (a webhook-only template included)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "deploy" / "local"))

from supervisor import template_body  # noqa: E402

from waymark.core.templates import Template  # noqa: E402


def test_each_example_template_has_exactly_its_listed_parts() -> None:
    listed = yaml.safe_load((ROOT / "examples" / "templates.yaml").read_text())["templates"]
    assert any(entry["channels"] == ["webhook"] for entry in listed)
    for entry in listed:
        template = Template.model_validate(template_body(entry))
        parts = {name for name, part in template.channels if part is not None}
        assert parts == set(entry["channels"]), entry["id"]

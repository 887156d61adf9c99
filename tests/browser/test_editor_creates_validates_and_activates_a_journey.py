"""An editor pastes a marketing journey into the YAML view, fixes a problem, saves, activates."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page, expect

from .conftest import screenshot, sign_in


def document(goto: str) -> dict[str, Any]:
    """A marketing journey whose branch jumps to `goto`."""
    return {
        "id": "spring-welcome",
        "name": "Spring Welcome",
        "type": "marketing",
        "trigger": {"event": "signed_up"},
        "milestones": [
            {
                "id": "main",
                "steps": [
                    {"id": "hello", "send": {"channel": "email", "template": "welcome-email"}},
                    {
                        "id": "route",
                        "branch": {
                            "cases": [{"when": {"attr": "profile.vip", "eq": True}, "goto": goto}],
                            "else": "exit",
                        },
                    },
                    {"id": "vip", "update": {"set": {"profile.vip_welcomed": True}}},
                ],
            }
        ],
    }


def test_editor_creates_validates_and_activates_a_journey(console_url: str, page: Page) -> None:
    sign_in(page, console_url, "editor")
    page.get_by_role("button", name="Create Customer Journey").click()
    expect(page.get_by_role("heading", name="Create Customer Journey")).to_be_visible()

    page.get_by_role("tab", name="YAML").click()
    editor = page.get_by_label("Journey document (YAML or JSON)")
    expect(editor).to_have_attribute("data-loaded", "1")
    editor.fill(json.dumps(document(goto="nowhere"), indent=2))
    page.get_by_role("button", name="Apply code").click()
    problems = page.locator("#problems")
    expect(problems).to_contain_text("milestones[0].steps[1].branch.cases[0].goto")

    editor.fill(json.dumps(document(goto="vip"), indent=2))
    page.get_by_role("button", name="Apply code").click()
    expect(page.locator("#flash")).to_have_text("The code was applied; the journey is valid.")
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#flash")).to_have_text("The journey is valid.")
    expect(page.locator("#problems-box")).to_be_hidden()

    page.get_by_role("button", name="Save").click()
    expect(page.locator("#flash")).to_contain_text("created as a draft")
    page.get_by_role("button", name="Activate").click()
    expect(page.locator("#flash")).to_have_text("Spring Welcome is active, version 1.")

    page.get_by_role("button", name="Back to journeys").click()
    row = page.locator('tr[data-journey="spring-welcome"]')
    expect(row).to_contain_text("active")
    expect(row.locator("td").nth(1)).to_have_text("1")
    expect(row.locator("td").nth(2)).to_have_text("3")
    expect(row.locator(".activities li")).to_have_text(["email send", "branch", "update"])
    screenshot(page, "editor-creates-and-activates")

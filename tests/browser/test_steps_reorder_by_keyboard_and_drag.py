"""Steps are reordered from the keyboard (Alt+Arrow on a focused step, Move buttons) and by drag
and drop, and grouped into a second milestone with an entry condition; the YAML view shows it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import call_api, journey, screenshot, sign_in


def order(page: Page) -> list[str]:
    """Step ids in the order the Steps stage shows them."""
    return [str(node.get_attribute("data-step-id")) for node in page.locator("li.step").all()]


def test_steps_reorder_by_keyboard_and_drag(console_url: str, page: Page) -> None:
    call_api(console_url, "editor", "POST", "/v1/journeys", journey("reorder-me"))
    sign_in(page, console_url, "editor")
    page.get_by_role("button", name="Edit Journey reorder-me").click()
    page.get_by_role("tab", name="Steps").click()
    assert order(page) == ["hello", "pause", "tag"]

    page.locator('li.step[data-step-id="tag"]').focus()
    page.keyboard.press("Alt+ArrowUp")
    expect(page.locator("li.step")).to_have_count(3)
    assert order(page) == ["hello", "tag", "pause"]
    # Focus stays on the moved step, so it can be moved again at once.
    page.keyboard.press("Alt+ArrowUp")
    assert order(page) == ["tag", "hello", "pause"]
    expect(page.locator('li.step[data-step-id="tag"]')).to_be_focused()
    expect(page.locator("#flash")).to_have_text(
        "Step tag moved to position 1 of 3 in milestone main."
    )

    page.get_by_role("button", name="Move step tag down").click()
    assert order(page) == ["hello", "tag", "pause"]

    page.locator('li.step[data-step-id="pause"]').drag_to(
        page.locator('li.step[data-step-id="hello"]')
    )
    assert order(page) == ["pause", "hello", "tag"]

    # A second milestone, entered once the profile is greeted, takes the update step.
    page.get_by_role("button", name="Add milestone").click()
    second = page.get_by_role("region", name="Milestone milestone-2")
    second.get_by_label("Milestone name").fill("Greeted")
    entry = second.get_by_label("Entry condition of milestone milestone-2: how rules combine")
    entry.select_option("all")
    second.get_by_label("rule 1: attribute").fill("profile.greeted")
    second.get_by_label("rule 1: operator").select_option("exists")
    page.locator('li.step[data-step-id="tag"]').get_by_label("Milestone").select_option("1")
    expect(
        page.get_by_role("list", name="Steps of milestone Greeted").locator("li.step")
    ).to_have_count(1)
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#flash")).to_have_text("The journey is valid.")
    screenshot(page, "steps-reordered-by-keyboard")

    page.get_by_role("tab", name="YAML").click()
    code = page.get_by_label("Journey document (YAML or JSON)")
    expect(code).to_have_attribute("data-loaded", "1")
    text = code.input_value()
    assert text.index("id: pause") < text.index("id: hello") < text.index("id: milestone-2")
    assert "profile.greeted" in text.split("id: milestone-2", 1)[1]

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#flash")).to_have_text("Journey reorder-me was saved.")
    stored = call_api(console_url, "viewer", "GET", "/v1/journeys/reorder-me")["definition"]
    assert [s["id"] for s in stored["milestones"][0]["steps"]] == ["pause", "hello"]
    assert stored["milestones"][1]["entry"] == {"attr": "profile.greeted", "exists": True}

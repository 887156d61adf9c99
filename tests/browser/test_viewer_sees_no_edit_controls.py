"""A viewer at 390 px sees no Create, Edit or Delete; a wrong token is told why."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import call_api, journey, screenshot, sign_in


def test_wrong_token_shows_the_reason(console_url: str, page: Page) -> None:
    page.goto(console_url)
    page.get_by_label("API token").fill("not-a-token")
    page.get_by_label("API token").press("Enter")
    expect(page.get_by_role("alert")).to_have_text("authorization: the bearer token is not known")
    screenshot(page, "wrong-token")


def test_viewer_sees_no_edit_controls(console_url: str, page: Page) -> None:
    call_api(console_url, "editor", "POST", "/v1/journeys", journey("read-only"))
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, console_url, "viewer")
    row = page.locator('tr[data-journey="read-only"]')
    expect(row).to_contain_text("draft")
    expect(page.get_by_role("button", name="Refresh")).to_be_visible()
    expect(page.get_by_role("button", name="Create Customer Journey")).to_be_hidden()
    expect(page.get_by_role("button", name="Edit Journey read-only")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete Journey read-only")).to_have_count(0)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px: {width}"
    screenshot(page, "viewer-no-edit-controls")

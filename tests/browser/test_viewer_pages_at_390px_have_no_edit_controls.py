"""At 390 px wide every page fits without sideways scrolling; a viewer finds no edit control on
any of them, and an editor's five-stage editor fits too."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import call_api, journey, screenshot, sign_in


def assert_fits(page: Page, what: str) -> None:
    """The page does not scroll sideways at the current width."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{what} scrolls sideways at 390 px: {width}"


def test_viewer_pages_at_390px_have_no_edit_controls(console_url: str, page: Page) -> None:
    call_api(console_url, "editor", "POST", "/v1/journeys", journey("narrow-one"))
    call_api(console_url, "editor", "POST", "/v1/journeys/narrow-one/activate")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, console_url, "viewer")
    assert_fits(page, "the journey page")

    page.get_by_role("link", name="Details of Journey narrow-one").click()
    expect(page.locator("#detail-body[data-loaded]")).to_be_attached()
    expect(page.locator("#detail-steps")).to_contain_text("analytics is not configured")
    expect(page.locator("#detail-versions-table tbody tr")).to_have_count(1)
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)
    expect(page.locator("#edit-from-detail")).to_be_hidden()
    assert_fits(page, "the journey detail")
    screenshot(page, "viewer-detail-390")

    # Typing the editor's address does not open it for a viewer.
    page.goto(f"{console_url}/#/journeys/narrow-one/edit")
    expect(page.locator("#detail-view")).to_be_visible()
    expect(page.locator("#editor-view")).to_be_hidden()

    page.get_by_role("link", name="Templates").click()
    expect(page.locator("#templates-table")).to_contain_text("welcome-email")
    expect(page.get_by_role("button", name="Create template")).to_be_hidden()
    page.get_by_role("link", name="welcome-email").click()
    expect(page.get_by_label("Email subject")).to_have_attribute("readonly", "")
    expect(page.get_by_role("button", name="Save template")).to_have_count(0)
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.locator("#preview-parts")).to_contain_text("Welcome Ada")
    assert_fits(page, "the template page")

    page.get_by_role("link", name="Customers").click()
    page.get_by_label("Customer id").fill("c1")
    page.get_by_role("button", name="Look up").click()
    expect(page.locator("#customer-result")).to_contain_text("analytics is not configured")
    assert_fits(page, "the customer lookup")


def test_editor_stages_fit_at_390px(console_url: str, page: Page) -> None:
    call_api(console_url, "editor", "POST", "/v1/journeys", journey("narrow-two"))
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, console_url, "editor")
    page.get_by_role("button", name="Edit Journey narrow-two").click()
    for stage in ("Type", "Basic information", "Trigger", "Steps", "Review and activate", "Test"):
        page.get_by_role("tab", name=stage).click()
        expect(page.locator("#stage h2")).to_have_text(stage)
        assert_fits(page, f"the {stage} stage")
    page.get_by_role("tab", name="Steps").click()
    screenshot(page, "editor-steps-390")

"""Delete asks first; an active journey is refused with the API's reason; an archived one goes."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import call_api, journey, screenshot, sign_in


def test_delete_confirms_and_refuses_an_active_journey(console_url: str, page: Page) -> None:
    call_api(console_url, "editor", "POST", "/v1/journeys", journey("live-one"))
    call_api(console_url, "editor", "POST", "/v1/journeys/live-one/activate")
    sign_in(page, console_url, "admin")
    row = page.locator('tr[data-journey="live-one"]')
    expect(row).to_contain_text("active")

    row.get_by_role("button", name="Delete Journey live-one").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete “Journey live-one” (active)?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#flash")).to_have_text("")

    row.get_by_role("button", name="Delete Journey live-one").click()
    dialog.get_by_role("button", name="Delete").click()
    flash = page.locator("#flash")
    expect(flash).to_contain_text("Not deleted: journey 'live-one' cannot be deleted")
    expect(flash).to_contain_text("it is active; archive it first")
    expect(row).to_contain_text("active")
    screenshot(page, "delete-refused-for-active")

    row.get_by_role("button", name="Archive Journey live-one").click()
    expect(row).to_contain_text("archived")
    row.get_by_role("button", name="Delete Journey live-one").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(flash).to_have_text("Journey live-one was deleted.")
    expect(row).to_have_count(0)

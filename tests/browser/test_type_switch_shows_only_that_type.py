"""Marketing journeys by default; the switch shows only transactional ones."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import call_api, journey, screenshot, sign_in


def test_type_switch_shows_only_that_type(console_url: str, page: Page) -> None:
    call_api(console_url, "editor", "POST", "/v1/journeys", journey("promo-one"))
    call_api(console_url, "editor", "POST", "/v1/journeys", journey("receipt-one", "transactional"))
    sign_in(page, console_url, "editor")
    rows = page.locator("#journeys-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-journey", "promo-one")

    page.get_by_label("Transactional").check()
    expect(page.locator('#journeys-table[data-loaded="transactional"]')).to_be_attached()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-journey", "receipt-one")
    expect(rows.first.locator(".activities li")).to_have_text(["email send", "wait", "update"])
    expect(page.locator("#type-note")).to_contain_text("every customer")
    screenshot(page, "type-switch-transactional")

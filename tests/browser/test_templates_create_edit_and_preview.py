"""Templates: create one with a mistake shown next to its field, preview it from sample data,
save it, find it in the list and edit it into a second version."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import call_api, screenshot, sign_in


def test_templates_create_edit_and_preview(console_url: str, page: Page) -> None:
    sign_in(page, console_url, "editor")
    page.get_by_role("link", name="Templates").click()
    expect(page.locator("#templates-table")).to_contain_text("welcome-email")
    page.get_by_role("button", name="Create template").click()

    editor = page.locator("#template-editor")
    editor.get_by_label("Template id").fill("spring-sale")
    editor.get_by_label("Email subject").fill("Hello {{ profile.first_name")
    editor.get_by_label("Email html body").fill(
        "<p>Hi {{ profile.first_name }} on {{ profile.plan }}</p>"
    )
    editor.get_by_label("Email text body").fill(
        "Hi {{ profile.first_name }} from {{ profile.city }}"
    )

    page.get_by_role("button", name="Preview", exact=True).click()
    subject = editor.locator('.field[data-path="channels.email.subject"] .field-error')
    expect(subject).to_contain_text("line 1")
    editor.get_by_label("Email subject").fill("Hello {{ profile.first_name }}")
    page.get_by_role("button", name="Preview", exact=True).click()
    parts = page.locator("#preview-parts")
    expect(parts).to_contain_text("Hello Ada")
    expect(parts).to_contain_text("Hi Ada from")
    expect(page.locator("#preview-out")).to_contain_text("Not in the sample (rendered empty): city")
    frame = page.frame_locator('iframe[title="HTML preview"]')
    expect(frame.locator("p")).to_have_text("Hi Ada on pro")
    expect(subject).to_be_empty()
    screenshot(page, "template-preview")

    page.get_by_role("button", name="Save template").click()
    expect(page.locator("#flash")).to_have_text("Template spring-sale saved, version 1.")
    page.get_by_role("button", name="Back to templates").click()
    page.get_by_role("link", name="spring-sale").click()
    expect(editor).to_have_attribute("data-loaded", "spring-sale")
    expect(editor.get_by_label("Template id")).to_have_attribute("readonly", "")
    editor.get_by_label("Email text body").fill("Hi {{ profile.first_name }}!")
    page.get_by_role("button", name="Save template").click()
    expect(page.locator("#flash")).to_have_text("Template spring-sale saved, version 2.")
    stored = call_api(console_url, "viewer", "GET", "/v1/templates/spring-sale")
    assert stored["channels"]["email"]["text"] == "Hi {{ profile.first_name }}!"

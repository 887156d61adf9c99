"""A marketing journey built in the five stages, tested, activated and fed through trigger-ingest:
the table's counts move on Refresh, a second version keeps its customers on the first, the
detail shows step statuses and versions, and the customer lookup says why a send was skipped."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import LiveStack, screenshot, sign_in

pytestmark = pytest.mark.timeout(300)


def refresh_until(page: Page, row: Locator, stat: str, value: str, within: float = 90) -> None:
    """Press Refresh until the row's `stat` cell shows `value` (the pipeline is asynchronous)."""
    cell = row.locator(f'td[data-stat="{stat}"]')
    deadline = time.monotonic() + within
    while cell.text_content() != value:
        assert time.monotonic() < deadline, f"{stat} is {cell.text_content()!r}, not {value!r}"
        page.get_by_role("button", name="Refresh").click()
        expect(page.locator("#refreshed")).not_to_be_empty()
        page.wait_for_timeout(500)


def build_journey(page: Page) -> None:
    """Stages 1-4: type, basic information, trigger, and two steps with a mistake in one."""
    page.get_by_role("button", name="Create Customer Journey").click()
    expect(page.get_by_role("tab", name="Type", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    stage = page.locator("#stage")
    expect(stage.get_by_label("Marketing", exact=True)).to_be_checked()
    page.get_by_role("button", name="Next").click()

    stage.get_by_label("Name", exact=True).fill("Spring Welcome")
    expect(stage.get_by_label("Journey id")).to_have_value("spring-welcome")
    stage.get_by_label("Description").fill("Welcome new customers.")
    page.get_by_role("button", name="Next").click()

    expect(stage.get_by_label("Event name")).to_have_value("signed_up")
    page.get_by_role("button", name="Next").click()

    welcome = page.locator('li.step[data-step-id="welcome"]')
    welcome.get_by_label("Template", exact=True).fill("welcome-email")
    page.get_by_role("button", name="Add step to milestone main").click()
    added = page.locator("li.step").nth(1)
    added.get_by_label("Step id").fill("wait-order")
    added.get_by_label("Kind").select_option("wait_for")
    waiting = page.locator('li.step[data-step-id="wait-order"]')
    waiting.get_by_label("Timeout (ISO-8601)").fill("3 days")


def test_journey_from_five_stages_to_live_counts(live_stack: LiveStack, page: Page) -> None:
    url = live_stack.console_url
    sign_in(page, url, "editor")
    build_journey(page)

    # The mistake is shown next to the field it concerns, and counted on the Steps tab.
    page.get_by_role("button", name="Validate").click()
    waiting = page.locator('li.step[data-step-id="wait-order"]')
    timeout_field = waiting.locator('.field[data-path="milestones[0].steps[1].wait_for.timeout"]')
    expect(timeout_field.locator(".field-error")).to_contain_text("ISO-8601")
    expect(page.get_by_role("tab", name="Steps (1 problem)")).to_be_visible()
    screenshot(page, "five-stages-validation-error")
    waiting.get_by_label("Timeout (ISO-8601)").fill("P3D")
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#flash")).to_have_text("The journey is valid.")
    expect(timeout_field.locator(".field-error")).to_be_empty()

    # The Test panel runs the unsaved draft: one email would go out, one is skipped.
    page.get_by_role("tab", name="Test").click()
    page.locator("#stage").get_by_label("Sample inputs").select_option("both")
    page.get_by_role("button", name="Run test").click()
    commands = page.locator("#test-commands tbody tr")
    expect(commands).to_have_count(1)
    expect(commands.first).to_contain_text("welcome-email")
    expect(commands.first).to_contain_text("c1")
    expect(page.locator("#test-trace")).to_contain_text("no_consent")
    screenshot(page, "five-stages-test-panel")

    page.get_by_role("tab", name="Review and activate").click()
    expect(page.locator("#review-verdict")).to_have_text("The journey is valid and ready.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#flash")).to_have_text("Spring Welcome was created as a draft.")
    page.get_by_role("button", name="Activate", exact=True).click()
    expect(page.locator("#flash")).to_have_text("Spring Welcome is active, version 1.")

    page.get_by_role("tab", name="Test").click()
    page.locator("#stage").get_by_label("Test address").fill("qa@example.com")
    page.get_by_role("button", name="Send test").click()
    expect(page.locator("#test-send-result")).to_have_text("Test send queued: 1 message(s).")

    page.get_by_role("button", name="Back to journeys").click()
    row = page.locator('tr[data-journey="spring-welcome"]')
    expect(row).to_contain_text("active")

    # Two customers sign up through trigger-ingest; only c1 consented to email.
    for customer in ("c1", "c2"):
        traits = {"first_name": "Ada", "email": f"{customer}@example.com"}
        live_stack.ingest("/v1/identify", {"userId": customer, "traits": traits})
    live_stack.ingest("/v1/consent", {"userId": "c1", "channel": "email", "granted": True})
    for customer in ("c1", "c2"):
        live_stack.ingest("/v1/track", {"userId": customer, "event": "signed_up"})
    refresh_until(page, row, "executions", "2")
    refresh_until(page, row, "steps_in_progress", "1")
    expect(row.locator('td[data-stat="steps_completed"]')).to_have_text("1")
    expect(row.locator('td[data-stat="conversions"]')).to_have_text("0")
    expect(page.locator("#analytics-note")).to_be_empty()
    screenshot(page, "five-stages-live-counts")

    # A new version of the live journey; both customers stay on version 1.
    row.get_by_role("button", name="Edit Spring Welcome").click()
    page.locator("#stage").get_by_label("Name", exact=True).fill("Spring Welcome, second edition")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#flash")).to_have_text(
        "Version 2 published. 2 customers stay on version 1."
    )
    expect(page.locator("#editor-status")).to_contain_text("version 2")
    screenshot(page, "edit-active-journey-version-2")

    # The detail: step statuses with counts, the funnel, messages, and the version history.
    page.get_by_role("button", name="Back to journeys").click()
    page.get_by_role("link", name="Details of Spring Welcome, second edition").click()
    expect(page.locator("#detail-body[data-loaded]")).to_be_attached()
    steps = page.locator("#detail-steps-table tbody tr")
    expect(steps.filter(has_text="wait-order")).to_contain_text("in progress")
    expect(steps.filter(has_text="welcome")).to_contain_text("completed")
    expect(page.locator("#detail-funnel-table")).to_contain_text("Entered the journey")
    expect(page.locator("#detail-messages-table")).to_contain_text("all")
    expect(page.locator("#detail-lift")).to_contain_text("No holdout to measure")
    expect(page.locator("#detail-versions-table tbody tr")).to_have_count(2)
    page.get_by_role("button", name="Changes in version 2").click()
    expect(page.locator("#version-diff")).to_contain_text("Spring Welcome, second edition")
    screenshot(page, "journey-detail")

    # The customer lookup: c2's welcome was skipped for want of consent, and says so.
    page.get_by_role("link", name="Customers").click()
    page.get_by_label("Customer id").fill("c2")
    page.get_by_role("button", name="Look up").click()
    expect(page.locator("#customer-journeys")).to_contain_text("spring-welcome")
    skipped = page.locator("#customer-skipped")
    expect(skipped).to_contain_text("no_consent")
    expect(skipped).to_contain_text("welcome")
    screenshot(page, "customer-lookup-no-consent")

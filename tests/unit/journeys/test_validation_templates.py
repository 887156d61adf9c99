"""With a template catalog, sends must use known templates of a fitting category."""

from __future__ import annotations

from typing import Any

from waymark.core.journeys.model import Category, load_journey
from waymark.core.journeys.validation import validate_journey

CATALOG: dict[str, Category] = {
    "welcome-email": "marketing",
    "first-order-sms": "marketing",
    "first-order-push": "marketing",
    "thank-you": "transactional",
}


def problems(document: dict[str, Any], templates: dict[str, Category]) -> dict[str, str]:
    return {p.path: p.message for p in validate_journey(load_journey(document), templates)}


def test_a_marketing_journey_may_use_any_category(onboarding_doc: dict[str, Any]) -> None:
    assert problems(onboarding_doc, CATALOG) == {}


def test_a_transactional_journey_rejects_marketing_templates(
    onboarding_doc: dict[str, Any],
) -> None:
    onboarding_doc["type"] = "transactional"
    found = problems(onboarding_doc, CATALOG)
    assert set(found) == {
        "milestones[0].steps[0].send.template",
        "milestones[0].steps[3].send.template",
        "milestones[0].steps[4].send.template",
    }
    assert (
        "template 'welcome-email' is a marketing template"
        in found["milestones[0].steps[0].send.template"]
    )


def test_an_unknown_template_is_reported(onboarding_doc: dict[str, Any]) -> None:
    catalog = {key: value for key, value in CATALOG.items() if key != "thank-you"}
    found = problems(onboarding_doc, catalog)
    assert found == {"milestones[1].steps[0].send.template": "no template 'thank-you' is known"}


def test_without_a_catalog_templates_are_not_checked(onboarding_doc: dict[str, Any]) -> None:
    onboarding_doc["type"] = "transactional"
    assert validate_journey(load_journey(onboarding_doc)) == []

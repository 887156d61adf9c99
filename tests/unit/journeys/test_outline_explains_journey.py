"""`waymark explain` prints milestones, entry conditions as text, and steps with their jumps."""

from __future__ import annotations

from waymark.core.journeys.conditions import parse_condition
from waymark.core.journeys.model import load_journey
from waymark.core.journeys.outline import outline, render_condition


def test_outline_of_the_onboarding_example(onboarding_yaml: str) -> None:
    text = outline(load_journey(onboarding_yaml))
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0] == "new-customer-onboarding — New Customer Onboarding Journey (marketing)"
    assert 'trigger: on event signed_up where event.properties.source != "partner"' in lines
    assert "exit when: event account_closed" in lines
    assert "goal: event order_completed within P14D" in lines
    assert "quiet hours: 21:00–08:00" in lines
    assert "milestone 1: registered — Registered Customers" in lines
    assert "entry: profile.email exists" in lines
    assert "entry: profile.orders_count >= 1" in lines
    assert any(
        line.startswith("welcome") and "send email 'welcome-email'" in line for line in lines
    )
    nudge = next(line for line in lines if line.startswith("nudge "))
    assert "branch: if profile.phone exists → sms-nudge; else → push-nudge" in nudge
    waiting = next(line for line in lines if line.startswith("wait-for-first-order"))
    assert "on event → exit; on timeout → nudge" in waiting


def test_conditions_render_as_text() -> None:
    condition = parse_condition(
        {
            "all": [
                {"attr": "profile.tier", "in": ["gold", "silver"]},
                {"not": {"attr": "profile.phone", "exists": False}},
                {"any": [{"event": "a"}, {"attr": "profile.name", "starts_with": "A"}]},
            ]
        }
    )
    assert render_condition(condition) == (
        '(profile.tier in ["gold", "silver"] and not profile.phone does not exist'
        ' and (event a or profile.name starts with "A"))'
    )

"""Journey documents shared by the journey model tests."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

ONBOARDING_YAML = """\
id: new-customer-onboarding          # stable slug: [a-z0-9-]{3,64}
name: New Customer Onboarding Journey
description: Welcome registered customers and bring them to a first purchase.
type: marketing                      # marketing | transactional
trigger:                             # exactly one of: event, condition, schedule, api
  event: signed_up
  where: {attr: event.properties.source, ne: partner}
reentry: {mode: never}               # never | always | {mode: after, cooldown: P30D}
exit_when: {event: account_closed}   # checked on every input; ends the journey at once
goal: {event: order_completed, within: P14D}   # a conversion, counted, and the journey ends
quiet_hours: {start: "21:00", end: "08:00"}    # marketing sends inside are delayed, not dropped
milestones:
  - id: registered
    name: Registered Customers
    entry: {attr: profile.email, exists: true}
    steps:
      - id: welcome
        send: {channel: email, template: welcome-email}
      - id: wait-for-first-order
        wait_for:
          event: order_completed
          timeout: P3D
          on_event: exit             # a step id, or exit
          on_timeout: nudge          # defaults to the next step
      - id: nudge
        branch:
          cases:
            - when: {attr: profile.phone, exists: true}
              goto: sms-nudge
          else: push-nudge
      - id: sms-nudge
        send: {channel: sms, template: first-order-sms}
      - id: push-nudge
        send: {channel: push, template: first-order-push}
  - id: first-purchase
    name: First Purchase
    entry: {attr: profile.orders_count, gte: 1}
    steps:
      - id: thanks
        send: {channel: email, template: thank-you}
"""
"""The example of JOURNEYS.md, verbatim."""

JourneyFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def onboarding_yaml() -> str:
    """The JOURNEYS.md example as text."""
    return ONBOARDING_YAML


@pytest.fixture
def onboarding_doc() -> dict[str, Any]:
    """The JOURNEYS.md example as a fresh document (safe to mutate)."""
    return copy.deepcopy(yaml.safe_load(ONBOARDING_YAML))


@pytest.fixture
def make_journey() -> JourneyFactory:
    """Build a small journey document around the given steps of one milestone."""

    def build(steps: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
        document: dict[str, Any] = {
            "id": "test-journey",
            "name": "Test journey",
            "type": "marketing",
            "trigger": {"event": "signed_up"},
            "reentry": {"mode": "never"},
            "milestones": [{"id": "main", "name": "Main", "steps": steps}],
        }
        document.update(fields)
        return document

    return build

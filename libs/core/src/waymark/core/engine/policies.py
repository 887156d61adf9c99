"""Send policies: consent, suppressed addresses, the frequency cap and quiet hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from waymark.core.engine.clock import customer_zone, in_window, next_local_time
from waymark.core.engine.state import CustomerState

__all__ = [
    "ADDRESS_TRAITS",
    "EnginePolicy",
    "QuietHours",
    "address_of",
    "blocked_reason",
    "frequency_capped",
    "quiet_hours_end",
    "record_marketing_send",
]

ADDRESS_TRAITS: dict[str, str | None] = {
    "email": "email",
    "sms": "phone",
    "push": "push_token",
    "webhook": None,
}
"""The profile trait holding a channel's address; webhooks address a system, not a person."""


@dataclass(frozen=True, slots=True)
class EnginePolicy:
    """Engine-wide rules that no single journey owns."""

    frequency_cap: int = 3
    """Marketing sends allowed per customer across all journeys within `frequency_window`."""
    frequency_window: int = 24 * 3600
    """Seconds the frequency cap counts back."""
    dedupe_window: int = 16
    """Input ids remembered per customer; a replay of any of them changes nothing."""
    max_steps_per_input: int = 200
    """A guard against a loop the validator missed: the instance exits instead of spinning."""
    paused_recheck: int = 3600
    """Seconds until a timer held by a paused journey is tried again (a resume fan-out is
    quicker: the first input after the resume releases it)."""


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window, in the customer's time zone, when marketing sends wait."""

    start: time
    end: time


def address_of(profile: dict[str, Any], channel: str) -> str | None:
    """The customer's address on `channel`, or None when the profile has none."""
    trait = ADDRESS_TRAITS.get(channel)
    if trait is None:
        return None
    value = profile.get(trait)
    return value if isinstance(value, str) and value else None


def frequency_capped(state: CustomerState, now: int, policy: EnginePolicy) -> bool:
    """Whether another marketing send now would exceed the cap."""
    sends = state.marketing_sends
    if len(sends) < policy.frequency_cap:
        return False
    since = now - policy.frequency_window
    return sum(1 for sent in sends if sent > since) >= policy.frequency_cap


def record_marketing_send(state: CustomerState, now: int, policy: EnginePolicy) -> None:
    """Count a marketing send, keeping only as many times as the cap can look at."""
    since = now - policy.frequency_window
    kept = [sent for sent in state.marketing_sends if sent > since]
    kept.append(now)
    state.marketing_sends = kept[-policy.frequency_cap :] if policy.frequency_cap > 0 else []


def blocked_reason(state: CustomerState, channel: str, marketing: bool) -> str | None:
    """Why a send on `channel` must be skipped now, before quiet hours and the cap; None if not."""
    if channel in state.suppressed:
        return "suppressed_address"
    if marketing and not state.consent.get(channel, False):
        return "no_consent"
    if ADDRESS_TRAITS.get(channel) is not None and address_of(state.profile, channel) is None:
        return "no_address"
    return None


def quiet_hours_end(
    quiet: QuietHours | None, profile: dict[str, Any], now: datetime
) -> datetime | None:
    """When the quiet window `now` falls in ends, in UTC; None outside it."""
    if quiet is None:
        return None
    tz = customer_zone(profile)
    if not in_window(now, quiet.start, quiet.end, tz):
        return None
    return next_local_time(now, quiet.end, tz)

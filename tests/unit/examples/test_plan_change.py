"""plan-change: upgrade and downgrade paths, and an upgrade back that converts and re-enters."""

from __future__ import annotations

import pytest

from examples.story import Trace, run

J = "plan-change"
M = "plan-changed"
UPGRADE = ("upgrade-welcome", "email", "plan-upgrade-welcome-email")
TIPS = ("upgrade-tips", "push", "plan-upgrade-tips-push")


@pytest.fixture(scope="module")
def trace() -> Trace:
    return run(J)


def test_an_upgrade_late_at_night_is_welcomed_at_eight_then_tipped_by_push(
    trace: Trace,
) -> None:
    assert ("2026-03-02T21:30:00Z", "waiting", M, "upgrade-welcome", "quiet_hours") in (
        trace.transitions("ana")
    )
    assert trace.commands("ana") == [
        (*UPGRADE, "2026-03-03T07:00:00Z"),
        (*TIPS, "2026-03-06T07:00:00Z"),
    ]
    assert trace.key("ana")[-1] == ("2026-03-06T07:00:00Z", "exited", M, "upgrade-done", "exit")


def test_a_downgrade_is_confirmed_asked_for_feedback_and_offered_a_way_back(
    trace: Trace,
) -> None:
    assert trace.commands("ben") == [
        ("downgrade-confirmation", "email", "plan-downgrade-email", "2026-03-02T10:00:00Z"),
        ("feedback", "email", "plan-feedback-email", "2026-03-04T10:00:00Z"),
        ("comeback-offer", "email", "plan-comeback-offer-email", "2026-03-16T10:00:00Z"),
    ]
    assert trace.key("ben")[-1] == ("2026-04-01T10:00:00Z", "exited", M, None, "completed")


def test_upgrading_again_converts_and_starts_the_upgrade_path(trace: Trace) -> None:
    assert trace.key("cleo")[2:6] == [
        ("2026-03-12T10:00:00Z", "converted", M, None, "goal"),
        ("2026-03-12T10:00:00Z", "exited", M, None, "goal"),
        ("2026-03-12T10:00:00Z", "entered", M, None, None),
        ("2026-03-12T10:00:00Z", "milestone_entered", M, None, None),
    ]
    templates = [row[2] for row in trace.commands("cleo")]
    assert templates == ["plan-downgrade-email", "plan-feedback-email", UPGRADE[2]]


def test_the_upgrade_email_needs_email_consent_and_the_push_needs_push_consent(
    trace: Trace,
) -> None:
    assert ("2026-03-02T10:00:00Z", "suppressed", M, "upgrade-welcome", "no_consent") in (
        trace.key("dan")
    )
    assert trace.commands("dan") == [(*TIPS, "2026-03-05T10:00:00Z")]
    # Cleo granted email only: her tips push is suppressed.
    assert ("2026-03-15T10:00:00Z", "suppressed", M, "upgrade-tips", "no_consent") in (
        trace.key("cleo")
    )

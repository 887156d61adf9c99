"""`branch`: the first matching case wins, then `else`, then the next step."""

from __future__ import annotations

from typing import Any

from engine.driver import T0, Engine, journey_doc


def _branch(otherwise: str | None) -> list[dict[str, Any]]:
    branch: dict[str, Any] = {
        "cases": [
            {"when": {"attr": "profile.plan", "eq": "pro"}, "goto": "pro"},
            {"when": {"attr": "profile.plan", "in": ["pro", "team"]}, "goto": "team"},
        ]
    }
    if otherwise is not None:
        branch["else"] = otherwise
    return [
        {"id": "which", "branch": branch},
        {"id": "fallthrough", "send": {"channel": "email", "template": "fallthrough"}},
        {"id": "stop", "exit": {}},
        {"id": "pro", "send": {"channel": "email", "template": "pro"}},
        {"id": "stop-pro", "exit": {}},
        {"id": "team", "send": {"channel": "email", "template": "team"}},
        {"id": "stop-team", "exit": {}},
        {"id": "free", "send": {"channel": "email", "template": "free"}},
    ]


def _run(plan: str | None, otherwise: str | None = "free") -> list[str]:
    eng = Engine(journey_doc(_branch(otherwise)))
    traits = {"email": "a@example.com"} | ({"plan": plan} if plan else {})
    eng.identify(T0, **traits)
    eng.consent("email", T0)
    eng.track("start", T0)
    return eng.sent()


def test_first_matching_case_wins() -> None:
    assert _run("pro") == ["pro"]
    assert _run("team") == ["team"]


def test_else_when_no_case_matches() -> None:
    assert _run("free") == ["free"]
    assert _run(None) == ["free"]


def test_without_else_the_next_step_follows() -> None:
    assert _run("free", otherwise=None) == ["fallthrough"]

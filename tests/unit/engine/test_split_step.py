"""`split`: the same customer always takes the same path; control exits as holdout."""

from __future__ import annotations

from collections import Counter

from engine.driver import T0, Engine, journey_doc

SPLIT = [
    {
        "id": "ab",
        "split": {
            "paths": [{"weight": 70, "goto": "a"}, {"weight": 30, "goto": "b"}],
            "control": 10,
        },
    },
    {"id": "a", "send": {"channel": "email", "template": "a"}},
    {"id": "stop", "exit": {}},
    {"id": "b", "send": {"channel": "email", "template": "b"}},
]


def _outcome(eng: Engine, customer: str) -> str:
    eng.identify(T0, customer=customer, email=f"{customer}@example.com")
    eng.consent("email", T0, customer=customer)
    eng.track("start", T0, customer=customer)
    sent = eng.sent(customer)
    if sent:
        return sent[0]
    assert eng.trace(customer)[-1] == ("exited", "ab", "holdout")
    return "holdout"


def test_a_customer_takes_the_same_path_in_every_run() -> None:
    first = [_outcome(Engine(journey_doc(SPLIT)), f"c{i}") for i in range(50)]
    second = [_outcome(Engine(journey_doc(SPLIT)), f"c{i}") for i in range(50)]
    assert first == second


def test_paths_and_control_follow_the_weights() -> None:
    eng = Engine(journey_doc(SPLIT))
    counts = Counter(_outcome(eng, f"customer-{i}") for i in range(2000))
    assert 140 <= counts["holdout"] <= 260  # 10 %
    assert 1150 <= counts["a"] <= 1370  # 70 % of the 90 %
    assert 440 <= counts["b"] <= 640  # 30 % of the 90 %


def test_holdout_is_marked_in_the_transition() -> None:
    eng = Engine(journey_doc(SPLIT))
    outcomes = {f"x{i}": _outcome(eng, f"x{i}") for i in range(100)}
    held = [customer for customer, result in outcomes.items() if result == "holdout"]
    assert held
    exits = [t for t in eng.transitions if t.kind == "exited" and t.customer_id == held[0]]
    assert [(t.reason, t.step_id) for t in exits] == [("holdout", "ab")]

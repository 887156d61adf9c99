"""An `update` step that makes a later milestone's entry (or `exit_when`) hold acts within the
same input: "after every input" covers what the input's own steps changed."""

from __future__ import annotations

from waymark.core.journeys import load_journey
from waymark.core.simulate import read_inputs, simulate

ADVANCE = """
id: stage-demo
name: Stage demo
trigger: {event: signed_up}
milestones:
  - id: a
    steps:
      - {id: mark, update: {set: {profile.stage: 2}}}
      - {id: pause, wait: {duration: P1D}}
  - id: b
    entry: {attr: profile.stage, eq: 2}
    steps:
      - {id: hello, wait: {duration: PT1H}}
"""

EXIT = """
id: self-exit
name: Self exit
trigger: {event: signed_up}
exit_when: {attr: profile.done, eq: true}
milestones:
  - id: a
    steps:
      - {id: mark, update: {set: {profile.done: true}}}
      - {id: pause, wait: {duration: P1D}}
"""

SIGNED_UP = (
    '{"type":"track","customer_id":"c1","event":"signed_up","timestamp":"2026-01-05T10:00:00Z"}'
)


def _transitions(journey: str) -> list[dict[str, object]]:
    doc = simulate([load_journey(journey)], read_inputs(SIGNED_UP)).to_document()
    transitions: list[dict[str, object]] = doc["transitions"]
    return transitions


def test_update_that_makes_a_later_entry_hold_advances_in_the_same_input() -> None:
    entered = [
        (t["milestone_id"], t["at"])
        for t in _transitions(ADVANCE)
        if t["kind"] == "milestone_entered"
    ]
    assert entered == [("a", "2026-01-05T10:00:00Z"), ("b", "2026-01-05T10:00:00Z")]


def test_update_that_meets_exit_when_exits_in_the_same_input() -> None:
    exits = [(t["reason"], t["at"]) for t in _transitions(EXIT) if t["kind"] == "exited"]
    assert exits == [("exit_when", "2026-01-05T10:00:00Z")]

"""Which record travels on which topic, and the registry subject of each topic's values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = [
    "COMMANDS_MARKETING",
    "COMMANDS_TRANSACTIONAL",
    "EVENTS",
    "JOURNEYS",
    "OUTCOMES",
    "TICKS",
    "TRANSITIONS",
    "VALUE_SCHEMAS",
    "logical_topic",
    "topic_of_subject",
    "value_subject",
]

EVENTS: Final = "waymark.events.v1"
OUTCOMES: Final = "waymark.outcomes.v1"
JOURNEYS: Final = "waymark.journeys.v1"
COMMANDS_TRANSACTIONAL: Final = "waymark.commands.transactional.v1"
COMMANDS_MARKETING: Final = "waymark.commands.marketing.v1"
TRANSITIONS: Final = "waymark.transitions.v1"
TICKS: Final = "waymark.ticks.v1"

_NS: Final = "dev.waymark.v1."

VALUE_SCHEMAS: Final[Mapping[str, str]] = {
    EVENTS: _NS + "CustomerEvent",
    OUTCOMES: _NS + "DispatchOutcome",
    JOURNEYS: _NS + "JourneyVersion",
    COMMANDS_TRANSACTIONAL: _NS + "SendCommand",
    COMMANDS_MARKETING: _NS + "SendCommand",
    TRANSITIONS: _NS + "JourneyTransition",
    TICKS: _NS + "Tick",
}
"""Logical topic -> full name of the record its values hold (the DLQ topics hold raw bytes).

The same names as `waymark.core.adapters.kafka.topics.Topic`; a test keeps the two in step.
"""

_VALUE_SUFFIX: Final = "-value"


def value_subject(topic: str) -> str:
    """The registry subject of a topic's values (TopicNameStrategy): `<topic>-value`."""
    return topic + _VALUE_SUFFIX


def topic_of_subject(subject: str) -> str | None:
    """The topic a `<topic>-value` subject belongs to, or None for any other subject."""
    return subject[: -len(_VALUE_SUFFIX)] if subject.endswith(_VALUE_SUFFIX) else None


def logical_topic(name: str) -> str | None:
    """The Waymark topic a physical name stands for, under any deployment or test prefix."""
    if name in VALUE_SCHEMAS:
        return name
    return next((topic for topic in VALUE_SCHEMAS if name.endswith("." + topic)), None)

"""ISO-8601 durations and "HH:MM" times of day, as the journey file writes them."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, PlainSerializer, WithJsonSchema
from pydantic.functional_validators import PlainValidator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

__all__ = ["ClockTime", "Duration", "parse_clock_time", "parse_duration"]

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_DURATION = re.compile(
    rf"P(?:{_NUMBER}W)?(?:{_NUMBER}D)?(?:T(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?",
)
_CALENDAR = re.compile(r"P(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?.*")
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_EXAMPLES = "like P3D, PT2H, PT1H30M or P1W"


def _number(text: str | None) -> float:
    return float(text.replace(",", ".")) if text else 0.0


class Duration(timedelta):
    """A positive ISO-8601 duration: a `timedelta` that remembers how it was written."""

    __slots__ = ("iso",)
    iso: str

    def __new__(cls, text: str) -> Duration:
        """Parse `text` (P3D, PT2S, PT1H30M, P1W…); raise ValueError with the reason."""
        delta = parse_duration(text)
        self = super().__new__(cls, delta.days, delta.seconds, delta.microseconds)
        self.iso = text
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as the original text."""
        return (Duration, (self.iso,))

    def __repr__(self) -> str:
        """Show the written form."""
        return f"Duration({self.iso!r})"

    def __str__(self) -> str:
        """The written form, e.g. `P3D`."""
        return self.iso

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Validate from a string, dump back to the same string."""
        return core_schema.no_info_plain_validator_function(
            _validate_duration,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda value: value.iso, return_schema=core_schema.str_schema()
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Describe a duration as a string in JSON Schema."""
        return {"type": "string", "format": "duration", "examples": ["P3D", "PT1H30M"]}


def parse_duration(text: str) -> timedelta:
    """Parse an ISO-8601 duration of weeks, days, hours, minutes and seconds."""
    if not isinstance(text, str):
        raise ValueError(f"a duration is a string {_EXAMPLES}, not {text!r}")
    match = _DURATION.fullmatch(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        if _CALENDAR.fullmatch(text) and ("Y" in text or "M" in text.split("T")[0]):
            raise ValueError(
                f"{text!r} uses years or months, which have no fixed length; "
                "write days or weeks instead (P30D)"
            )
        raise ValueError(f"{text!r} is not an ISO-8601 duration {_EXAMPLES}")
    weeks, days, hours, minutes, seconds = (_number(part) for part in match.groups())
    delta = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    if delta <= timedelta(0):
        raise ValueError(f"{text!r} is not longer than zero")
    return delta


def _validate_duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    try:
        return Duration(value)
    except ValueError as error:
        raise PydanticCustomError("duration", str(error)) from None


def parse_clock_time(text: Any) -> time:
    """Parse a 24-hour "HH:MM" time of day."""
    if isinstance(text, time):
        return text
    match = _CLOCK.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise PydanticCustomError(
            "clock_time", "{text} is not a 24-hour time written HH:MM", {"text": repr(text)}
        )
    return time(int(match.group(1)), int(match.group(2)))


ClockTime = Annotated[
    time,
    PlainValidator(parse_clock_time),
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": _CLOCK.pattern}),
]
"""A time of day written "HH:MM" (24-hour clock), held as `datetime.time`."""

"""The catalog: every published journey version, each journey's status, and trigger indexes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from croniter import croniter

from waymark.core.engine.compiled import CompiledJourney, compile_journey
from waymark.core.engine.policies import EnginePolicy
from waymark.core.journeys.model import Journey

__all__ = ["Catalog", "JourneyRecord", "JourneyStatus"]

JourneyStatus = Literal["active", "paused", "archived"]


@dataclass(slots=True)
class JourneyRecord:
    """One journey in the catalog: its status and every version customers may be pinned to."""

    status: JourneyStatus
    versions: dict[int, CompiledJourney] = field(default_factory=dict)
    latest: int = 0


class Catalog:
    """Published journeys as decide() reads them; the worker changes it between decisions."""

    def __init__(
        self, journeys: Iterable[Journey] = (), policy: EnginePolicy | None = None
    ) -> None:
        """Publish `journeys` as version 1 each, all active."""
        self.policy = policy or EnginePolicy()
        self.records: dict[str, JourneyRecord] = {}
        """Journey id → record; read-only outside the catalog."""
        self.by_event: dict[str, tuple[CompiledJourney, ...]] = {}
        """Active event-triggered journeys by trigger event name, in journey id order."""
        self.on_condition: tuple[CompiledJourney, ...] = ()
        """Active condition-triggered journeys, in journey id order."""
        for journey in journeys:
            self.publish(journey, reindex=False)
        self._reindex()

    def publish(
        self,
        journey: Journey,
        version: int | None = None,
        status: JourneyStatus | None = None,
        *,
        reindex: bool = True,
    ) -> CompiledJourney:
        """Add a version (the next number by default); customers inside keep theirs."""
        record = self.records.get(journey.id)
        if record is None:
            record = self.records[journey.id] = JourneyRecord(status or "active")
        elif status is not None:
            record.status = status
        number = version if version is not None else record.latest + 1
        compiled = compile_journey(journey, number)
        record.versions[number] = compiled
        record.latest = max(record.latest, number)
        if reindex:
            self._reindex()
        return compiled

    def set_status(self, journey_id: str, status: JourneyStatus) -> None:
        """Pause, resume (`active`) or archive a journey."""
        record = self.records[journey_id]
        record.status = status
        self._reindex()

    def status(self, journey_id: str) -> JourneyStatus | None:
        """The journey's status, or None when the catalog does not know it."""
        record = self.records.get(journey_id)
        return record.status if record is not None else None

    def record(self, journey_id: str) -> JourneyRecord | None:
        """The journey's record, or None."""
        return self.records.get(journey_id)

    def version(self, journey_id: str, version: int) -> CompiledJourney | None:
        """A pinned version, or None when it is not (or no longer) in the catalog."""
        record = self.records.get(journey_id)
        return record.versions.get(version) if record is not None else None

    def latest(self, journey_id: str) -> CompiledJourney | None:
        """The version new customers enter."""
        record = self.records.get(journey_id)
        return record.versions.get(record.latest) if record is not None else None

    def active(self, journey_id: str) -> CompiledJourney | None:
        """The latest version when the journey is active (accepting entries), else None."""
        record = self.records.get(journey_id)
        if record is None or record.status != "active":
            return None
        return record.versions.get(record.latest)

    def journeys(self) -> list[CompiledJourney]:
        """The latest version of every journey, in id order."""
        return [
            record.versions[record.latest]
            for _, record in sorted(self.records.items())
            if record.latest in record.versions
        ]

    def scheduled(self) -> list[CompiledJourney]:
        """Active schedule-triggered journeys, in id order."""
        return [
            journey
            for journey in self.journeys()
            if journey.schedule is not None and self.status(journey.id) == "active"
        ]

    def next_fire(self, journey_id: str, after: datetime) -> datetime | None:
        """The first schedule fire of the journey strictly after `after`, or None."""
        journey = self.latest(journey_id)
        if journey is None or journey.schedule is None:
            return None
        schedule = journey.schedule
        local = after.astimezone(schedule.zone)
        fire: datetime = croniter(schedule.cron, local).get_next(datetime)
        return fire.astimezone(after.tzinfo)

    def _reindex(self) -> None:
        by_event: dict[str, list[CompiledJourney]] = {}
        on_condition: list[CompiledJourney] = []
        for journey in self.journeys():
            if self.status(journey.id) != "active":
                continue
            if journey.trigger == "event" and journey.trigger_event is not None:
                by_event.setdefault(journey.trigger_event, []).append(journey)
            elif journey.trigger == "condition":
                on_condition.append(journey)
        self.by_event = {name: tuple(found) for name, found in by_event.items()}
        self.on_condition = tuple(on_condition)

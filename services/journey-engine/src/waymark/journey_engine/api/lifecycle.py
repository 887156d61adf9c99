"""The journey lifecycle: draft → active ⇄ paused → archived, and publishing new versions.

Each transition checks the current status, writes MongoDB conditionally on what it read (a
concurrent change is a 409, never a lost update) and then publishes the record the worker
needs. The order is always MongoDB first, the topic second.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from waymark.core.adapters.mongo import DuplicateError
from waymark.core.contracts import definition_checksum
from waymark.core.errors import TransientError
from waymark.core.journeys import Category, Journey, journey_document
from waymark.core.journeys.validation import check_journey
from waymark.journey_engine.api.bodies import document_problem
from waymark.journey_engine.api.errors import (
    ConflictError,
    InvalidError,
    NotFoundError,
    UnavailableError,
)
from waymark.journey_engine.api.publisher import VersionPublisher
from waymark.journey_engine.api.store import JourneyRecord, JourneyStore, Status, VersionRecord

__all__ = [
    "CustomerCounts",
    "Journeys",
    "NoCustomerCounts",
    "TemplateCatalogSource",
    "Update",
    "checked_definition",
]

TemplateCatalogSource = Callable[[], Awaitable[Mapping[str, Category]]]
"""Template id → category, as the template store knows them right now."""


class CustomerCounts(Protocol):
    """How many customers are inside a version; the worker or analytics will know."""

    async def customers_in_version(self, journey_id: str, version: int) -> int | None:
        """The count, or None when unknown."""
        ...


class NoCustomerCounts:
    """The hook until analytics exposes the counts: always unknown."""

    async def customers_in_version(self, journey_id: str, version: int) -> int | None:
        """Unknown."""
        return None


@dataclass(frozen=True, slots=True)
class Update:
    """The result of an edit: the journey, and the version it published (None for a draft)."""

    journey: JourneyRecord
    published_version: int | None
    customers_in_older_versions: int | None


def checked_definition(
    document: Any, templates: Mapping[str, Category] | None = None
) -> tuple[Journey, dict[str, Any]]:
    """The journey and its normalized document, or InvalidError naming every problem."""
    problem = document_problem(document)
    if problem is not None:
        raise InvalidError(problem, "body")
    journey, problems = check_journey(document, templates)
    if journey is None or problems:
        raise InvalidError.from_problems(problems)
    return journey, journey_document(journey)


_NOT_FROM: Mapping[Status, str] = {
    "draft": "it is a draft that was never activated",
    "active": "it is active",
    "paused": "it is paused",
    "archived": "it is archived",
}


class Journeys:
    """Create, edit and move journeys through their lifecycle."""

    def __init__(
        self,
        *,
        store: JourneyStore,
        publisher: VersionPublisher,
        templates: TemplateCatalogSource,
        counts: CustomerCounts,
        clock: Callable[[], datetime],
    ) -> None:
        """Wire the store, the publisher, the template catalog, the counts hook and a clock."""
        self._store = store
        self._publisher = publisher
        self._templates = templates
        self._counts = counts
        self._clock = clock

    async def get(self, journey_id: str) -> JourneyRecord:
        """The journey, or NotFoundError."""
        record = await self._store.get(journey_id)
        if record is None:
            raise NotFoundError(f"no journey '{journey_id}'", "id")
        return record

    async def find(
        self, *, type: Category | None = None, status: Status | None = None
    ) -> list[JourneyRecord]:
        """Journeys by id, filtered by type and status when given."""
        return await self._store.find(type=type, status=status)

    async def create(self, document: Any) -> JourneyRecord:
        """A new draft; ConflictError when the id is taken."""
        journey, normalized = checked_definition(document)
        now = self._clock()
        record = JourneyRecord(
            id=journey.id,
            name=journey.name,
            type=journey.type,
            status="draft",
            definition=normalized,
            checksum=definition_checksum(normalized),
            version=0,
            published_status=None,
            created_at=now,
            updated_at=now,
        )
        try:
            await self._store.insert(record)
        except DuplicateError:
            raise ConflictError(f"a journey with id '{journey.id}' exists already", "id") from None
        return record

    async def update(self, journey_id: str, document: Any) -> Update:
        """Edit a draft in place, or publish a new version of an active or paused journey."""
        async with self._publisher.lock(journey_id):
            current = await self.get(journey_id)
            if current.status == "archived":
                raise ConflictError(f"journey '{journey_id}' is archived and cannot be edited")
            published = current.status != "draft"
            templates = await self._templates() if published else None
            journey, normalized = checked_definition(document, templates)
            if journey.id != journey_id:
                raise InvalidError(
                    f"the id '{journey.id}' differs from '{journey_id}' in the path", "id"
                )
            checksum = definition_checksum(normalized)
            if checksum == current.checksum:
                # Idempotent: re-sending the current definition publishes nothing.
                return Update(current, None, None)
            if not published:
                await self._save(current, definition=normalized, checksum=checksum)
                return Update(await self.get(journey_id), None, None)
            version = await self._publish_version(current, normalized, checksum, current.status)
            record = await self.get(journey_id)
            inside = await self._customers_before(journey_id, version.version)
            return Update(record, version.version, inside)

    async def activate(self, journey_id: str) -> JourneyRecord:
        """Publish a draft as its first version (or the next one) and make it active."""
        async with self._publisher.lock(journey_id):
            current = await self.get(journey_id)
            if current.status != "draft":
                hint = "; resume it instead" if current.status == "paused" else ""
                raise ConflictError(
                    f"journey '{journey_id}' cannot be activated: {_NOT_FROM[current.status]}"
                    + hint
                )
            checked_definition(current.definition, await self._templates())
            await self._publish_version(current, current.definition, current.checksum, "active")
            return await self.get(journey_id)

    async def pause(self, journey_id: str) -> JourneyRecord:
        """Stop entries and sends of an active journey; customers inside stay where they are."""
        return await self._move(journey_id, "paused", allowed=("active",))

    async def resume(self, journey_id: str) -> JourneyRecord:
        """Make a paused journey active again."""
        return await self._move(journey_id, "active", allowed=("paused",))

    async def archive(self, journey_id: str) -> JourneyRecord:
        """Retire an active or paused journey for good."""
        return await self._move(journey_id, "archived", allowed=("active", "paused"))

    async def delete(self, journey_id: str) -> None:
        """Delete a draft or an archived journey; anything else is a conflict, with the reason."""
        async with self._publisher.lock(journey_id):
            current = await self.get(journey_id)
            if current.status not in ("draft", "archived"):
                raise ConflictError(
                    f"journey '{journey_id}' cannot be deleted: {_NOT_FROM[current.status]}; "
                    "archive it first (customers inside still run its versions)"
                )
            if not await self._store.delete(current):
                raise _changed(journey_id)

    async def versions(self, journey_id: str) -> list[VersionRecord]:
        """The published versions of a journey, oldest first."""
        current = await self.get(journey_id)
        return [v for v in await self._store.versions(journey_id) if v.version <= current.version]

    async def version(self, journey_id: str, number: int) -> VersionRecord:
        """One published version, or NotFoundError."""
        current = await self.get(journey_id)
        found = await self._store.get_version(journey_id, number)
        if found is None or number > current.version:
            raise NotFoundError(f"journey '{journey_id}' has no version {number}", "version")
        return found

    async def customers_in(self, journey_id: str, version: int) -> int | None:
        """Customers inside one version, when known."""
        return await self._counts.customers_in_version(journey_id, version)

    async def _customers_before(self, journey_id: str, version: int) -> int | None:
        total = 0
        for older in await self._store.versions(journey_id):
            if older.version >= version:
                continue
            count = await self._counts.customers_in_version(journey_id, older.version)
            if count is None:
                return None
            total += count
        return total

    async def _move(
        self, journey_id: str, target: Status, *, allowed: tuple[Status, ...]
    ) -> JourneyRecord:
        async with self._publisher.lock(journey_id):
            current = await self.get(journey_id)
            if current.status not in allowed:
                verb = {"paused": "paused", "active": "resumed", "archived": "archived"}[target]
                hint = "; delete it instead" if current.status == "draft" else ""
                raise ConflictError(
                    f"journey '{journey_id}' cannot be {verb}: {_NOT_FROM[current.status]}" + hint
                )
            now = self._clock()
            await self._save(current, status=target, now=now)
            latest = await self._store.get_version(journey_id, current.version)
            if latest is not None:
                await self._send(latest, target, published_at=now)
            return await self.get(journey_id)

    async def _publish_version(
        self, current: JourneyRecord, definition: dict[str, Any], checksum: str, status: Status
    ) -> VersionRecord:
        now = self._clock()
        version = VersionRecord(
            journey_id=current.id,
            version=await self._store.next_version(current.id),
            type=definition.get("type", current.type),
            definition=definition,
            checksum=checksum,
            status=status,
            published_at=now,
            on_topic=False,
        )
        try:
            await self._store.insert_version(version)
        except DuplicateError:
            raise _changed(current.id) from None
        try:
            await self._save(
                current,
                status=status,
                definition=definition,
                checksum=checksum,
                version=version.version,
                now=now,
            )
        except ConflictError:
            # Idempotency guard: the journey never pointed at this number, so drop it again.
            await self._store.delete_version(current.id, version.version)
            raise
        await self._send(version, status)
        return version

    async def _send(
        self, version: VersionRecord, status: Status, *, published_at: datetime | None = None
    ) -> None:
        try:
            await self._publisher.publish(
                version,
                status,
                reason="status" if published_at else "version",
                published_at=published_at,
            )
        except TransientError as exc:
            raise UnavailableError(str(exc)) from exc

    async def _save(
        self,
        current: JourneyRecord,
        *,
        status: Status | None = None,
        definition: dict[str, Any] | None = None,
        checksum: str | None = None,
        version: int | None = None,
        now: datetime | None = None,
    ) -> None:
        saved = await self._store.save(
            current,
            status=status,
            definition=definition,
            checksum=checksum,
            version=version,
            now=now or self._clock(),
        )
        if not saved:
            raise _changed(current.id)


def _changed(journey_id: str) -> ConflictError:
    return ConflictError(
        f"journey '{journey_id}' was changed by another request; read it and retry"
    )

"""What happens to one command: check, render, claim, send, record — and its one outcome.

The claim is made as late as possible: right before the provider call, or right before a
result decided without one (suppressed, expired, a template error). So a crash leaves
uncertain only the few commands whose provider call was under way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import structlog

from waymark.channel_dispatch.delivery import Provider
from waymark.channel_dispatch.ledger import Claim, ClaimKind, Ledger
from waymark.channel_dispatch.messages import MessageBuilder
from waymark.channel_dispatch.model import Lane, Position, Result, address_of, outcome_of
from waymark.channel_dispatch.pressure import Pace
from waymark.channel_dispatch.rendering import TemplateRenderError
from waymark.channel_dispatch.senders.base import Message
from waymark.channel_dispatch.suppression import SuppressionList
from waymark.core.contracts import Channel, DispatchOutcome, SendCommand
from waymark.core.observability.metrics import DISPATCH_DUPLICATES, DISPATCH_RECOVERED

__all__ = ["Dispatcher", "PriorityGate", "Work"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Work:
    """One decoded record of a lane."""

    command: SendCommand
    position: Position
    lane: Lane


class PriorityGate:
    """Transactional sends hold it; marketing waits for it to be free before each send."""

    def __init__(self) -> None:
        """Free."""
        self._holders = 0
        self._free = asyncio.Event()
        self._free.set()

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Hold the gate for the duration of one transactional command."""
        self._holders += 1
        self._free.clear()
        try:
            yield
        finally:
            self._holders -= 1
            if not self._holders:
                self._free.set()

    async def wait_free(self) -> None:
        """Return once no transactional command is in progress."""
        await self._free.wait()


class Dispatcher:
    """Turns commands into terminal results, each recorded before it is reported."""

    def __init__(
        self,
        *,
        ledger: Ledger,
        suppressions: SuppressionList,
        messages: MessageBuilder,
        providers: Mapping[Channel, Provider],
        clock: Callable[[], datetime],
        gate: PriorityGate | None = None,
        pace: Pace | None = None,
        poll_s: float = 0.5,
    ) -> None:
        """Wire the adapters; `gate` makes marketing yield to transactional sends of this
        process, `pace` to those of every process (see `pressure`)."""
        self._ledger = ledger
        self._suppressions = suppressions
        self._messages = messages
        self._providers = providers
        self._clock = clock
        self._gate = gate
        self._pace = pace
        self._poll_s = poll_s

    async def finish(self, work: Work) -> DispatchOutcome | None:
        """The outcome this record reports, or None for a duplicate record."""
        if work.lane == "transactional" and self._gate is not None:
            async with self._gate.held():
                return await self._finish(work)
        return await self._finish(work)

    async def _finish(self, work: Work) -> DispatchOutcome | None:
        decided, message = await self._prepare(work)
        if message is not None:
            claims: list[Claim] = []
            result = await self._send(work, message, claims)
            if claims and claims[0].kind is ClaimKind.NEW:
                assert result is not None
                recorded = await self._ledger.record(work.command, work.position, result)
                return outcome_of(work.command, recorded)
            if claims:
                return await self._conclude(work, claims[0], None)
            # Ended before any provider call (deadline passed while the circuit was open).
            decided = result
        claim = await self._ledger.claim(work.command, work.position, sending=False)
        return await self._conclude(work, claim, decided)

    async def _conclude(
        self, work: Work, claim: Claim, decided: Result | None
    ) -> DispatchOutcome | None:
        """What a claim that did not lead to a send means for this record."""
        cmd = work.command
        if claim.kind is ClaimKind.DUPLICATE:
            DISPATCH_DUPLICATES.labels(lane=work.lane).inc()
            log.info("duplicate_dropped", command_id=cmd.command_id, lane=work.lane)
            return None
        if claim.kind is ClaimKind.FINISHED:
            assert claim.result is not None
            return outcome_of(cmd, claim.result)
        if claim.kind is ClaimKind.UNFINISHED:
            result = await self._recover(work, claim)
        else:
            assert decided is not None
            result = decided
        return outcome_of(cmd, await self._ledger.record(cmd, work.position, result))

    def _settled_without_sending(self, cmd: SendCommand) -> Result | None:
        """The result a command gets from its own fields alone, when it cannot be sent."""
        now = self._clock()
        if cmd.channel not in self._providers:
            return Result.decided("failed", f"no_{cmd.channel}_provider", now)
        if cmd.channel != "webhook" and address_of(cmd) is None:
            return Result.decided("failed", "no_address", now)
        if cmd.category == "marketing" and not cmd.consent_granted:
            return Result.decided("suppressed", "no_consent", now)
        return None

    async def _prepare(self, work: Work) -> tuple[Result | None, Message | None]:
        """Either a result decided without sending, or the message to send."""
        cmd = work.command
        now = self._clock()
        if cmd.expires_at is not None and now >= cmd.expires_at:
            return Result.decided("expired", "expired", now), None
        settled = self._settled_without_sending(cmd)
        if settled is not None:
            return settled, None
        address = address_of(cmd)
        if address is not None:
            reason = self._suppressions.reason_for(cmd.channel, address, cmd.category)
            if reason is not None:
                return Result.decided("suppressed", reason, now), None
        try:
            return None, await self._messages.build(cmd, address)
        except TemplateRenderError as problem:
            log.warning("template_failed", template=cmd.template, reason=problem.reason)
            return Result.decided("failed", problem.reason, self._clock()), None

    async def _send(
        self,
        work: Work,
        message: Message,
        claims: list[Claim],
        *,
        recovering: bool = False,
    ) -> Result | None:
        """Claim at the last moment and send. The claim goes into `claims` (none when the
        delivery ended before a provider call); the result is None when it is not NEW."""
        cmd = work.command
        if work.lane == "marketing" and not recovering:
            if self._pace is not None:
                await self._pace.admit()
            if self._gate is not None:
                await self._gate.wait_free()

        async def claim() -> bool:
            if recovering:
                # Idempotency guard. The claim exists (not sending); note the call first.
                await self._ledger.mark_sending(cmd)
                return True
            claims.append(await self._ledger.claim(cmd, work.position, sending=True))
            return claims[-1].kind is ClaimKind.NEW

        delivery = await self._providers[cmd.channel].deliver(
            message,
            key=cmd.command_id,
            deadline=None if recovering else cmd.expires_at,
            priority=work.lane == "transactional",
            before_send=claim,
        )
        if delivery is None:
            return None
        address = address_of(cmd)
        if delivery.suppress is not None and address is not None:
            await self._suppressions.add(
                cmd.channel, address, delivery.suppress, source=cmd.command_id
            )
        return delivery.result

    async def _recover(self, work: Work, claim: Claim) -> Result:
        """A claim of this record without a result: its owner crashed or is still at it."""
        cmd = work.command
        owner = claim.owner
        while await self._ledger.alive(owner):
            found = await self._ledger.result_of(cmd.command_id)
            if found is not None:
                return found
            await asyncio.sleep(self._poll_s)
        if not await self._ledger.take_over(cmd.command_id, owner or "?"):
            # Another dispatcher resolves it: its recorded result is the outcome.
            return await self._result_when_recorded(cmd.command_id)
        maybe_sent = claim.sending or await self._ledger.was_sending(cmd.command_id)
        if not maybe_sent:
            # The owner died before any provider call: nothing went out, decide afresh.
            DISPATCH_RECOVERED.labels(channel=cmd.channel, action="redecided").inc()
            decided, message = await self._prepare(work)
            if message is None:
                assert decided is not None
                return decided
            sent = await self._send(work, message, [], recovering=True)
            assert sent is not None
            return sent
        provider = self._providers.get(cmd.channel)
        if provider is not None and provider.takes_idempotency_key:
            DISPATCH_RECOVERED.labels(channel=cmd.channel, action="resent").inc()
            log.warning("claim_recovered", command_id=cmd.command_id, action="resent")
            # The provider drops a repeat of the key, so this cannot deliver it twice; no
            # checks (expiry, suppression) run, since the first call may have gone through.
            try:
                message = await self._messages.build(cmd, address_of(cmd))
            except (TemplateRenderError, ValueError):
                return Result.decided("failed", "unknown", self._clock())
            sent = await self._send(work, message, [], recovering=True)
            assert sent is not None
            return sent
        DISPATCH_RECOVERED.labels(channel=cmd.channel, action="unknown").inc()
        log.warning("claim_recovered", command_id=cmd.command_id, action="failed_unknown")
        return Result.decided("failed", "unknown", self._clock())

    async def _result_when_recorded(self, command_id: str) -> Result:
        """Poll the ledger (another process writes it) until the command's result is there."""
        while True:
            found = await self._ledger.result_of(command_id)
            if found is not None:
                return found
            await asyncio.sleep(self._poll_s)

"""Test sends: a journey's send steps to listed test recipients, on the transactional lane.

A test send is a SendCommand marked `test: true`, so channel-dispatch sends it and analytics
leaves it out of journey results. It always travels the transactional lane: a person waiting
for their test message must not queue behind a marketing burst.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from waymark.core.contracts import AvroCodec, Channel, CodecError, SendCommand
from waymark.core.journeys import SendStep, parse_journey
from waymark.core.observability.metrics import API_TEST_SENDS
from waymark.journey_engine.api.errors import ForbiddenError, InvalidError, UnavailableError
from waymark.journey_engine.api.publisher import RecordSink
from waymark.journey_engine.api.schemas import JsonObject
from waymark.journey_engine.api.store import JourneyRecord

__all__ = ["ADDRESS_FIELDS", "TestRecipient", "TestSendIn", "TestSendOut", "TestSends"]

ADDRESS_FIELDS: Mapping[Channel, str] = {
    "email": "email",
    "sms": "phone",
    "push": "push_token",
    "webhook": "webhook_url",
}
"""The profile attribute each channel's address is placed in, as channel-dispatch reads it."""

# An unsent test message is worthless an hour later; dispatch reports it expired instead.
_TEST_TTL = timedelta(hours=1)


class TestRecipient(BaseModel):
    """Where one test message goes: a channel and an address on the allow-list."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: Channel
    address: str = Field(min_length=1, max_length=512)


class TestSendIn(BaseModel):
    """Recipients, and the sample profile and event the templates render with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    recipients: list[TestRecipient] = Field(min_length=1, max_length=20)
    profile: JsonObject = Field(default_factory=dict)
    event: JsonObject = Field(
        default_factory=dict, description="sample `{name, properties}` for entry.* and event.*"
    )
    step_id: str | None = Field(default=None, description="only this send step; default: all")


class TestCommandOut(BaseModel):
    """One command produced."""

    command_id: str
    customer_id: str
    step_id: str
    channel: Channel
    template: str


class TestSendOut(BaseModel):
    """What a test send produced."""

    test_send_id: str
    topic: str
    commands: list[TestCommandOut]


def _customer_id(address: str) -> str:
    # A stable pseudonym: the record key and every log line stay free of the address.
    return "test-" + hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]


class TestSends:
    """Builds and produces test SendCommands for allowed recipients only."""

    __test__ = False  # not a pytest class, despite the name

    def __init__(
        self,
        *,
        allowed: list[str],
        sink: RecordSink,
        topic: str,
        codec: AvroCodec,
        clock: Callable[[], datetime],
    ) -> None:
        """`allowed`: the configured test recipients; `topic`: the transactional lane."""
        self._allowed = {address.strip().lower() for address in allowed}
        self._sink = sink
        self._topic = topic
        self._codec = codec
        self._clock = clock

    def _check(self, request: TestSendIn) -> None:
        for index, recipient in enumerate(request.recipients):
            if recipient.address.strip().lower() not in self._allowed:
                raise ForbiddenError(
                    "not on the test recipient allow-list (WAYMARK_ENGINE_API_TEST_RECIPIENTS)",
                    f"recipients[{index}].address",
                )

    async def send(self, journey: JourneyRecord, request: TestSendIn) -> TestSendOut:
        """Produce one command per recipient and send step on the recipient's channel."""
        self._check(request)
        steps = [
            step
            for _, step in parse_journey(journey.definition).steps()
            if isinstance(step, SendStep) and request.step_id in (None, step.id)
        ]
        if request.step_id is not None and not steps:
            raise InvalidError(
                f"journey '{journey.id}' has no send step '{request.step_id}'", "step_id"
            )
        test_send_id = uuid.uuid4().hex
        now = self._clock()
        commands: list[SendCommand] = []
        for recipient in request.recipients:
            for step in steps:
                if step.send.channel != recipient.channel:
                    continue
                customer_id = _customer_id(recipient.address)
                profile = dict(request.profile)
                profile[ADDRESS_FIELDS[recipient.channel]] = recipient.address.strip()
                key = f"{test_send_id}|{customer_id}|{step.id}"
                commands.append(
                    SendCommand(
                        command_id="test-" + hashlib.sha256(key.encode()).hexdigest()[:27],
                        customer_id=customer_id,
                        journey_id=journey.id,
                        journey_version=journey.version,
                        entry_id=test_send_id,
                        step_id=step.id,
                        attempt=1,
                        channel=recipient.channel,
                        template=step.send.template,
                        category=journey.type,
                        # Listed test recipients stand for having opted in.
                        consent_granted=True,
                        recipient=profile,
                        entry=request.event,
                        event=request.event or None,
                        created_at=now,
                        expires_at=now + _TEST_TTL,
                        test=True,
                    )
                )
        if not commands:
            channels = sorted({r.channel for r in request.recipients})
            raise InvalidError(
                f"journey '{journey.id}' has no send step on {', '.join(channels)}", "recipients"
            )
        try:
            values = [self._codec.encode_model(command) for command in commands]
        except CodecError as exc:
            raise InvalidError(f"the sample profile or event cannot be sent: {exc.reason}") from exc
        try:
            for command, value in zip(commands, values, strict=True):
                await self._sink.send_and_wait(
                    self._topic, value=value, key=command.customer_id.encode()
                )
        except Exception as exc:  # aiokafka raises many types; all mean "not acknowledged"
            raise UnavailableError(f"the broker did not acknowledge the test send: {exc}") from exc
        API_TEST_SENDS.inc(len(commands))
        return TestSendOut(
            test_send_id=test_send_id,
            topic=self._topic,
            commands=[
                TestCommandOut(
                    command_id=c.command_id,
                    customer_id=c.customer_id,
                    step_id=c.step_id,
                    channel=c.channel,
                    template=c.template,
                )
                for c in commands
            ],
        )

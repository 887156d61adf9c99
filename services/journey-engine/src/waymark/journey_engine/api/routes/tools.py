"""Validate a document, simulate a journey, and send a journey's messages to test recipients."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from starlette.concurrency import run_in_threadpool

from waymark.core.engine import Input, InputError, parse_input
from waymark.core.journeys import Journey, parse_journey
from waymark.core.journeys.validation import check_journey
from waymark.core.simulate import simulate
from waymark.journey_engine.api.auth import require
from waymark.journey_engine.api.bodies import document_problem
from waymark.journey_engine.api.context import ApiContext, context
from waymark.journey_engine.api.errors import ErrorBody, InvalidError
from waymark.journey_engine.api.openapi import JOURNEY_BODY
from waymark.journey_engine.api.routes.journeys import JourneyId
from waymark.journey_engine.api.schemas import ProblemOut, SimulateIn, SimulateOut, ValidateOut
from waymark.journey_engine.api.testsend import TestSendIn, TestSendOut

__all__ = ["router", "simulation"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 422, 503)
}
# The virtual clock runs in this process: bound how far it may run past the last input.
_MAX_HORIZON = timedelta(days=366)

router = APIRouter(prefix="/v1/journeys", tags=["tools"], responses=_ERRORS)

Ctx = Annotated[ApiContext, Depends(context)]


@router.post(
    "/validate",
    response_model=ValidateOut,
    dependencies=[Depends(require("viewer"))],
    openapi_extra=JOURNEY_BODY,
)
async def validate_document(
    ctx: Ctx, document: Annotated[Any, Body(description="a journey document (JOURNEYS.md)")]
) -> ValidateOut:
    """Every problem of a journey document, templates included; 200 whether valid or not."""
    problem = document_problem(document)
    if problem is not None:
        return ValidateOut(valid=False, problems=[ProblemOut(path="", message=problem)])
    _, found = check_journey(document, await ctx.template_catalog())
    problems = [ProblemOut(path=p.path, message=p.message) for p in found]
    return ValidateOut(valid=not problems, problems=problems)


def _inputs(events: list[dict[str, Any]]) -> list[Input]:
    inputs: list[Input] = []
    for index, record in enumerate(events):
        try:
            inputs.append(parse_input(record))
        except InputError as exc:
            raise InvalidError(str(exc), f"events[{index}]") from None
    return inputs


@router.post(
    "/{journey_id}/simulate",
    response_model=SimulateOut,
    dependencies=[Depends(require("viewer"))],
)
async def simulate_journey(ctx: Ctx, journey_id: JourneyId, body: SimulateIn) -> SimulateOut:
    """Run the journey's current definition over the inputs on a virtual clock (JOURNEYS.md)."""
    record = await ctx.journeys.get(journey_id)
    return await simulation(parse_journey(record.definition), body.events, body.until)


async def simulation(
    journey: Journey, events: list[dict[str, Any]], until: datetime | None
) -> SimulateOut:
    """The simulator output of one journey over the inputs; 422 naming a bad input or `until`."""
    inputs = _inputs(events)
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    if until is not None and inputs:
        latest = max(inp.timestamp for inp in inputs)
        if until - latest > _MAX_HORIZON:
            raise InvalidError(
                f"until is more than {_MAX_HORIZON.days} days after the last input", "until"
            )
    result = await run_in_threadpool(simulate, [journey], inputs, until)
    document = result.to_document()
    return SimulateOut(commands=document["commands"], transitions=document["transitions"])


@router.post(
    "/{journey_id}/test-send",
    response_model=TestSendOut,
    status_code=202,
    dependencies=[Depends(require("editor"))],
)
async def test_send(ctx: Ctx, journey_id: JourneyId, body: TestSendIn) -> TestSendOut:
    """Send the journey's messages to listed test recipients, marked as test (403 otherwise)."""
    record = await ctx.journeys.get(journey_id)
    return await ctx.test_sends.send(record, body)

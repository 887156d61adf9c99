"""Journeys as code for the console: YAML to a document and back, and simulating a draft.

The console has no YAML library; these routes read and write the JOURNEYS.md text with the
same loader `waymark validate` uses, and simulate a document that has not been saved.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Body, Depends
from starlette.concurrency import run_in_threadpool

from waymark.core.journeys.model import read_document
from waymark.core.journeys.validation import check_journey
from waymark.journey_engine.api.auth import require
from waymark.journey_engine.api.bodies import MAX_DEPTH, document_problem
from waymark.journey_engine.api.errors import ErrorBody, InvalidError
from waymark.journey_engine.api.openapi import JOURNEY_BODY
from waymark.journey_engine.api.routes.tools import simulation
from waymark.journey_engine.api.schemas import (
    DraftSimulateIn,
    JourneyText,
    ParsedJourney,
    ParseIn,
    SimulateOut,
)

__all__ = ["MAX_VALUES", "router"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 422)
}
MAX_VALUES = 100_000
"""Most values a parsed document may hold; YAML aliases could otherwise expand without end."""

router = APIRouter(
    prefix="/v1/journeys",
    tags=["tools"],
    responses=_ERRORS,
    dependencies=[Depends(require("viewer"))],
)


def _json_problem(value: Any) -> str | None:
    """Why a parsed YAML value cannot travel as a JSON journey document, or None."""
    # Iterative with a count: aliases share nodes, so a walk could revisit one exponentially.
    stack: list[tuple[Any, int]] = [(value, 1)]
    seen = 0
    while stack:
        item, depth = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            return f"the document holds more than {MAX_VALUES} values (aliases expanded)"
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    return f"key {key!r} is not a string"
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "numbers must be finite (no .nan or .inf)"
        elif item is not None and not isinstance(item, str | int | bool):
            return f"a value of type {type(item).__name__} has no JSON form"
    return None


def _read(text: str) -> Any:
    # The newline keeps a one-line text from being taken for a file name.
    return read_document(text + "\n")


@router.post("/parse", response_model=ParsedJourney)
async def parse_text(body: ParseIn) -> ParsedJourney:
    """The journey document written in a YAML or JSON text; 422 naming `text` and why not."""
    try:
        document = await run_in_threadpool(_read, body.text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or type(exc).__name__
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise InvalidError(f"{where}not valid YAML or JSON: {reason}", "text") from None
    except RecursionError:
        raise InvalidError(f"nested more than {MAX_DEPTH} levels deep", "text") from None
    except (ValueError, TypeError) as exc:
        raise InvalidError(f"not valid YAML or JSON: {exc}", "text") from None
    if not isinstance(document, dict):
        raise InvalidError("a journey is a mapping of keys (id, name, trigger, ...)", "text")
    problem = _json_problem(document)
    if problem is not None:
        raise InvalidError(problem, "text")
    return ParsedJourney(document=document)


@router.post("/yaml", response_model=JourneyText, openapi_extra=JOURNEY_BODY)
async def as_yaml(
    document: Annotated[Any, Body(description="a journey document (JOURNEYS.md)")],
) -> JourneyText:
    """The journey document as YAML text, keys in the order given (any draft, valid or not)."""
    problem = document_problem(document)
    if problem is not None:
        raise InvalidError(problem, "body")
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return JourneyText(text=text)


@router.post("/simulate", response_model=SimulateOut)
async def simulate_draft(body: DraftSimulateIn) -> SimulateOut:
    """Run a journey document that need not be saved over the inputs (JOURNEYS.md simulator).

    The document is checked first: its problems are a 422 naming `journey.<path>` each.
    """
    journey, problems = check_journey(body.journey)
    if journey is None or problems:
        raise InvalidError.from_problems(problems, prefix="journey")
    return await simulation(journey, body.events, body.until)

"""Why a request is refused: a status, and for each fault the field and the reason.

Every refusal renders as `{"errors": [{"field": "batch[3].timestamp", "reason": "…"}]}`.
Each fault also carries a `kind`, a small fixed vocabulary used as the metric label of
rejected events (never shown to the client, never unbounded).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from waymark.core.errors import WaymarkError

__all__ = [
    "ErrorBody",
    "Fault",
    "FieldError",
    "InvalidError",
    "NotFoundError",
    "RefusalError",
    "ReplayedError",
    "TooLargeError",
    "UnauthorizedError",
    "UnavailableError",
    "faults_from_pydantic",
    "field_path",
]


class FieldError(BaseModel):
    """One reason a request was refused; `field` is null when no single field is to blame."""

    field: str | None
    reason: str


class ErrorBody(BaseModel):
    """The body of every error response."""

    errors: list[FieldError]


@dataclass(frozen=True, slots=True)
class Fault:
    """One thing wrong with a request: where, why, and its class for the metrics."""

    field: str | None
    reason: str
    kind: str = "invalid"


class RefusalError(WaymarkError):
    """A request answered with a 4xx or 503 and a body naming each fault."""

    status: int = 400

    def __init__(
        self,
        faults: Iterable[Fault] | Fault,
        *,
        events: int = 1,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Keep the faults; `events` is how many events the refusal turned away."""
        self.faults: tuple[Fault, ...] = (faults,) if isinstance(faults, Fault) else tuple(faults)
        self.events = events
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__("; ".join(f"{f.field}: {f.reason}" for f in self.faults))

    def body(self) -> dict[str, Any]:
        """The JSON body of the response."""
        return {"errors": [{"field": f.field, "reason": f.reason} for f in self.faults]}


class InvalidError(RefusalError):
    """The body is not what the route accepts (400); every bad event is named."""

    status = 400


class UnauthorizedError(RefusalError):
    """No valid write key or webhook signature (401)."""

    status = 401


class NotFoundError(RefusalError):
    """No such route or provider (404)."""

    status = 404


class ReplayedError(RefusalError):
    """A signed webhook request that was already accepted (409)."""

    status = 409


class TooLargeError(RefusalError):
    """The body is over the size limit of its route (413)."""

    status = 413


class UnavailableError(RefusalError):
    """The broker cannot take the records now (503, with Retry-After): nothing was accepted."""

    status = 503


def field_path(prefix: str, loc: Sequence[int | str]) -> str:
    """`batch[3]` + ("context", "ip") -> `batch[3].context.ip`; integers become indexes."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def faults_from_pydantic(errors: Iterable[Mapping[str, Any]], prefix: str = "") -> list[Fault]:
    """Pydantic errors as faults with JSON paths; the input value is never echoed back."""
    faults: list[Fault] = []
    for error in errors:
        loc = [p for p in error.get("loc", ()) if isinstance(p, int | str)]
        # Pydantic puts the type of a function validator in the location; it is not a field.
        loc = [p for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
        message = str(error.get("msg", "is invalid"))
        # Our own validators raise ValueError("must be …"); pydantic prefixes its class name.
        message = message.removeprefix("Value error, ")
        faults.append(Fault(field_path(prefix, loc) or None, message))
    return faults

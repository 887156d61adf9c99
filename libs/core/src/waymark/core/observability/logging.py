"""structlog configured once: JSON in production, console on a TTY, PII masked everywhere."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

__all__ = ["configure_logging", "mask_pii", "redact_pii"]

_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-]+\.)+[\w-]{2,}", re.ASCII)
# Phone numbers: E.164 and common national forms with 7+ digits (not ISO timestamps or ids).
_PHONE = re.compile(r"(?<![\w:.-])\+?\d(?:[ ().-]?\d){6,14}(?![\w:])")
_MAX_DEPTH = 6


def _mask_email(match: re.Match[str]) -> str:
    return f"{match.group(1)}***@***"


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return f"***{digits[-2:]}"


def mask_pii(text: str) -> str:
    """Replace email addresses and phone numbers in `text` by masked forms."""
    if "@" in text:
        text = _EMAIL.sub(_mask_email, text)
    return _PHONE.sub(_mask_phone, text)


def _redact(value: Any, depth: int) -> Any:
    if isinstance(value, str):
        return mask_pii(value)
    if depth >= _MAX_DEPTH:
        return value
    if isinstance(value, Mapping):
        return {k: _redact(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v, depth + 1) for v in value]
    return value


def redact_pii(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor masking emails and phone numbers in every value, nested too."""
    for key, value in event_dict.items():
        event_dict[key] = _redact(value, 0)
    return event_dict


class _StderrLogger:
    """Writes each line to whatever `sys.stderr` is now (a test runner may swap it)."""

    def msg(self, message: str) -> None:
        """Write one rendered line."""
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def _stderr_logger(*_args: Any) -> _StderrLogger:
    return _StderrLogger()


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stdlib handler bound to the current `sys.stderr`, not the one at configuration."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(service: str, *, level: str = "INFO", json: bool | None = None) -> None:
    """Configure structlog and stdlib logging once for `service` (JSON unless on a TTY)."""
    as_json = (not sys.stderr.isatty()) if json is None else json
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_pii,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # Libraries log through stdlib; route them through the same masking and renderer.
    handler = _StderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())

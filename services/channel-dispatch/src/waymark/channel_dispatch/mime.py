"""Email composition: RFC 5322 headers and a multipart/alternative body, built directly.

The standard library's `email.message.EmailMessage` spends ~3 ms per message here; this
builds the same structure (UTF-8 parts in quoted-printable, encoded-word headers) in tens of
microseconds. Header values never carry a line break: a rendered subject cannot inject one.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Sequence
from datetime import datetime
from email.header import Header
from email.utils import format_datetime
from hashlib import blake2b

__all__ = ["compose", "message_id_for"]

_BREAKS = re.compile(r"[\r\n\t\x00-\x08\x0b\x0c\x0e-\x1f]+")
_ID_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_MAX_RAW_HEADER = 900


def message_id_for(command_id: str, domain: str) -> str:
    """The Message-ID of a command's email: `<command_id@domain>`, the same on every attempt."""
    local = command_id if _ID_SAFE.match(command_id) else blake2b(command_id.encode()).hexdigest()
    return f"<{local}@{domain}>"


def _header(name: str, value: str) -> bytes:
    if not value.isprintable():
        value = _BREAKS.sub(" ", value)
    value = value.strip()
    if value.isascii() and len(value) + len(name) < _MAX_RAW_HEADER:
        return f"{name}: {value}\r\n".encode("ascii")
    encoded = Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    return f"{name}: {encoded}\r\n".encode("ascii")


def _quoted_printable(text: str) -> bytes:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    encoded = binascii.b2a_qp(lines, quotetabs=False, istext=True, header=False)
    return encoded.replace(b"\n", b"\r\n")


def _part(subtype: str, text: str) -> bytes:
    return (
        f"Content-Type: text/{subtype}; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode("ascii") + _quoted_printable(text)


def compose(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str | None,
    html: str | None,
    message_id: str,
    date: datetime,
    headers: Sequence[tuple[str, str]] = (),
) -> bytes:
    """The MIME bytes of one email; multipart/alternative when it has both bodies."""
    if text is None and html is None:
        raise ValueError("an email needs a text or an html body")
    head = [
        _header("From", sender),
        _header("To", to),
        _header("Subject", subject),
        _header("Date", format_datetime(date)),
        _header("Message-ID", message_id),
        b"MIME-Version: 1.0\r\n",
    ]
    head.extend(_header(name, value) for name, value in headers)
    if text is not None and html is not None:
        # "=_" never occurs in quoted-printable output, so it cannot collide with a body.
        boundary = "=_wm_" + blake2b(message_id.encode(), digest_size=12).hexdigest()
        body = b"".join(
            (
                f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode(),
                f"--{boundary}\r\n".encode(),
                _part("plain", text),
                f"\r\n--{boundary}\r\n".encode(),
                _part("html", html),
                f"\r\n--{boundary}--\r\n".encode(),
            )
        )
    else:
        body = _part("plain" if text is not None else "html", text or html or "") + b"\r\n"
    return b"".join(head) + body

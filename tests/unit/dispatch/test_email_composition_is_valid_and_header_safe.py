"""Composed email parses as MIME, keeps both bodies, encodes headers and refuses injection."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from waymark.channel_dispatch.mime import compose, message_id_for

WHEN = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def parse(data: bytes) -> EmailMessage:
    parsed = message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_multipart_alternative_round_trips_text_and_html() -> None:
    data = compose(
        sender="Shop <noreply@shop.example>",
        to="ann@example.com",
        subject="Grüße, Ann — 20 % off",
        text="Hello Ann\n= sign and a long line " + "word " * 40,
        html="<p>Hello <b>Ann</b> — café</p>",
        message_id=message_id_for("0123abcd", "shop.example"),
        date=WHEN,
        headers=[("List-Unsubscribe", "<https://u.example/x>")],
    )
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    message = parse(data)
    assert message["Subject"] == "Grüße, Ann — 20 % off"
    assert message["Message-ID"] == "<0123abcd@shop.example>"
    assert message["List-Unsubscribe"] == "<https://u.example/x>"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert isinstance(text, EmailMessage)
    assert isinstance(html, EmailMessage)
    # CRLF is the wire's line ending; the parser keeps it inside decoded bodies.
    assert text.get_content().replace("\r\n", "\n").startswith("Hello Ann\n= sign and a long")
    assert html.get_content().strip() == "<p>Hello <b>Ann</b> — café</p>"


def test_a_rendered_subject_cannot_inject_a_header() -> None:
    data = compose(
        sender="noreply@shop.example",
        to="ann@example.com",
        subject="Hi\r\nBcc: victim@example.com",
        text="x",
        html=None,
        message_id="<1@shop.example>",
        date=WHEN,
    )
    message = parse(data)
    assert message["Bcc"] is None
    assert message["Subject"] == "Hi Bcc: victim@example.com"
    assert message.get_content_type() == "text/plain"


def test_the_message_id_is_derived_from_the_command_id_only() -> None:
    assert message_id_for("c0ffee", "d.example") == message_id_for("c0ffee", "d.example")
    assert message_id_for("c0ffee", "d.example") != message_id_for("c0ffef", "d.example")
    odd = message_id_for("has space<>@", "d.example")
    assert odd.startswith("<")
    assert " " not in odd
    assert odd.count("@") == 1

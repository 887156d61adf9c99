"""The SMTP sender upgrades with STARTTLS and authenticates before it sends; bad credentials
are a retryable failure, not a rejected message. With and without PIPELINING offered: a
pipelined connection is taken over from aiosmtplib after the upgrade and the login."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from waymark.channel_dispatch.senders.base import Email, RetryableError
from waymark.channel_dispatch.senders.smtp import SmtpSender
from waymark.channel_dispatch.sinks.smtp import MailStore, SinkHandler


class Recorder(SinkHandler):
    """The sink's handler (PIPELINING offered or not), keeping whether each message came over
    TLS, and as whom."""

    def __init__(self, pipelining: bool) -> None:
        super().__init__(MailStore(), pipelining=pipelining)
        self.received: list[tuple[bool, Any, bytes]] = []
        self.ehlos = 0

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        self.ehlos += 1
        return await super().handle_EHLO(server, session, envelope, hostname, responses)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append((session.ssl is not None, session.auth_data, envelope.content))
        return "250 OK"


def authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"dispatch",
        b"s3cret",
    )
    # handled=False: aiosmtpd answers 235 or 535 itself.
    return AuthResult(success=ok, handled=False, auth_data=data.login if ok else None)


@pytest.fixture(params=[True, False], ids=["pipelining", "plain"])
async def tls_server(tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    openssl = await asyncio.create_subprocess_exec(
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert await openssl.wait() == 0
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder = Recorder(pipelining=request.param)
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(
            recorder,
            hostname="localhost",
            tls_context=context,
            require_starttls=True,
            auth_required=True,
            authenticator=authenticate,
        ),
        "127.0.0.1",
        0,
    )
    yield recorder, server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


MESSAGE = Email(
    recipient="ann@example.com",
    sender="Shop <noreply@shop.example>",
    data=b"Subject: hi\r\nMessage-ID: <1@shop.example>\r\n\r\nhello\r\n",
    message_id="<1@shop.example>",
)


async def test_mail_goes_over_starttls_after_login(tls_server: Any) -> None:
    recorder, port = tls_server
    sender = SmtpSender(
        host="127.0.0.1",
        port=port,
        start_tls=True,
        validate_certs=False,
        username="dispatch",
        password="s3cret",
    )
    try:
        await sender.send(MESSAGE, key="k")
        await sender.send(MESSAGE, key="k2")  # again, on the pooled connection
    finally:
        await sender.close()
    assert len(recorder.received) == 2
    for over_tls, login, content in recorder.received:
        assert over_tls
        assert login == b"dispatch"
        assert b"hello" in content
    # EHLO before and after STARTTLS, on the one connection.
    assert recorder.ehlos == 2


async def test_wrong_credentials_are_retryable_and_send_nothing(tls_server: Any) -> None:
    recorder, port = tls_server
    sender = SmtpSender(
        host="127.0.0.1",
        port=port,
        start_tls=True,
        validate_certs=False,
        username="dispatch",
        password="wrong",
    )
    with pytest.raises(RetryableError) as caught:
        await sender.send(MESSAGE, key="k")
    await sender.close()
    assert caught.value.reason == "smtp_auth"
    assert recorder.received == []


@pytest.fixture(scope="module", params=["asyncio", "uvloop"])
def event_loop_policy(request: pytest.FixtureRequest) -> asyncio.AbstractEventLoopPolicy:
    """Both loops: the dispatcher runs on uvloop where it is installed, asyncio elsewhere."""
    if request.param == "uvloop":
        import uvloop

        return uvloop.EventLoopPolicy()
    return asyncio.DefaultEventLoopPolicy()

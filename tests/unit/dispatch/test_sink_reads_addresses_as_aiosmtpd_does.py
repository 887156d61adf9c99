"""The SMTP sink's quick address reader gives what aiosmtpd's own parser gives."""

from __future__ import annotations

import pytest
from aiosmtpd.smtp import SMTP

from waymark.channel_dispatch.sinks.smtp import MailStore, SinkHandler, _SinkSMTP

PATHS = [
    "<a@b.c>",
    "<a@b.c> SIZE=100",
    " <x.y+z@ex-ample.com>  BODY=8BITMIME SMTPUTF8",
    "<>",
    "a@b.c",
    "<a..b@c.d>",
    "<.a@c.d>",
    "<a.@c.d>",
    '<"quoted local"@c.d>',
    "<a@[192.0.2.1]>",
    "<" + "x" * 80 + "@d.e>",
    "<a@b.c>x",
    "<ü@b.c>",
    "<a@b.c",
    "<@relay:a@b.c>",
    "",
]


@pytest.mark.parametrize("path", PATHS)
def test_paths_read_as_aiosmtpd_reads_them(path: str) -> None:
    handler = SinkHandler(MailStore())
    reference, quick = SMTP(handler)._getaddr(path), _SinkSMTP(handler)._getaddr(path)
    assert quick[0] == reference[0]
    # The parameters are split on whitespace by the MAIL and RCPT handlers.
    assert (quick[1] or "").split() == (reference[1] or "").split()


def test_a_local_part_over_the_limit_is_refused_like_aiosmtpd() -> None:
    handler = SinkHandler(MailStore())
    reference, quick = SMTP(handler), _SinkSMTP(handler)
    reference.local_part_limit = quick.local_part_limit = 10
    path = "<" + "y" * 11 + "@d.e>"
    assert quick._getaddr(path) == reference._getaddr(path) == (None, None)

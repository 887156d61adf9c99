"""`python -m waymark.channel_dispatch.sinks`: the SMTP and provider sinks for development."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from waymark.channel_dispatch.sinks.running import Sinks
from waymark.core.observability.runtime import run, tune_gc

__all__ = ["main"]

_LOOPBACK = ("127.0.0.1", "::1", "localhost")


async def _serve(host: str, smtp_port: int, http_port: int) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    async with Sinks(host=host, smtp_port=smtp_port, http_port=http_port) as sinks:
        print(
            f"SMTP sink on {host}:{sinks.smtp_port}, provider sink on {sinks.http_url}",
            flush=True,
        )
        await stopping.wait()


def main(argv: list[str] | None = None) -> None:
    """Run both sinks until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m waymark.channel_dispatch.sinks", description=__doc__
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--smtp-port", type=int, default=2525)
    parser.add_argument("--http-port", type=int, default=8025)
    args = parser.parse_args(argv)
    if args.host not in _LOOPBACK:
        parser.error("the sinks listen on loopback only")
    # aiosmtpd logs every command at INFO: too much for a sink measured at thousands/s.
    logging.basicConfig(level=logging.WARNING)
    tune_gc()
    run(_serve(args.host, args.smtp_port, args.http_port))


if __name__ == "__main__":
    main()

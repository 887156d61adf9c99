"""The process itself: its event loop, and the cyclic garbage collector of a stream processor.

`run` runs a service's main coroutine on uvloop when it is installed (its transports write
and read sockets in C: the SMTP and MongoDB round trips of channel-dispatch spent a fifth of
its CPU in asyncio's socket writes), on asyncio's own loop otherwise.

A worker that decides thousands of inputs a second allocates millions of short-lived objects
while it keeps a large heap of long-lived ones (decoded customer states, the catalog, the
timer heap). CPython's default thresholds (700, 10, 10) then run a young collection every few
hundred inputs and, every hundred of those, one that walks the whole heap: measured on the
engine worker, a fifth of its CPU. The data is acyclic, so rarer collections cost nothing in
memory that matters; what cycles there are (exceptions with their tracebacks) still go, just
later.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["DEFAULT_GC_THRESHOLD", "run", "tune_gc"]

T = TypeVar("T")

DEFAULT_GC_THRESHOLD = (50_000, 20, 10)
"""Young collections every 50,000 net allocations; a full one every 10 million."""


def tune_gc(threshold: tuple[int, int, int] = DEFAULT_GC_THRESHOLD) -> None:
    """Set the collector's thresholds, and freeze what start-up built (modules, settings) so
    no collection walks it again."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*threshold)


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)`, on uvloop when it is installed."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)

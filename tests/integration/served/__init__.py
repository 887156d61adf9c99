"""Serving an ASGI app on a loopback port for tests, and a schemathesis run against it."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Run `app` with uvicorn on 127.0.0.1 in a thread (its own event loop); yield its URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "the app stopped while starting"
        assert time.monotonic() < deadline, "the app did not start within a minute"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def no_server_error_anywhere(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    min_operations: int = 1,
    examples: int = 25,
) -> list[int]:
    """Call every operation of the app's OpenAPI with generated requests; fail on any 5xx.

    Returns the statuses seen, so a test can check the requests reached the handlers.
    """
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= min_operations, [op.label for op in operations]
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def call(case: schemathesis.Case) -> None:
            response = case.call_and_validate(
                headers=headers, auth=auth, checks=[not_a_server_error], timeout=30
            )
            statuses.append(response.status_code)

        call()
    return statuses


def stop_gracefully(proc: subprocess.Popen[bytes] | None, within: float = 30) -> None:
    """SIGTERM a test's child process, and SIGKILL it when it does not stop `within` seconds."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=within)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)

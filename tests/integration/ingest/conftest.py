"""A private Kafka broker for the broker-down test: started and stopped only by this test.

The shared local broker serves other tests at the same time, so it is never stopped; this
one runs from the same jars with its own ports and data directory.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
KAFKA_SH = ROOT / "deploy" / "local" / "kafka.sh"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PrivateBroker:
    """A single-node Kafka on loopback with its own data directory."""

    directory: Path
    port: int
    controller_port: int

    @property
    def bootstrap(self) -> str:
        """Its bootstrap address."""
        return f"127.0.0.1:{self.port}"

    def _run(self, command: str) -> None:
        env = {
            **os.environ,
            "WAYMARK_LOCAL_DIR": str(self.directory),
            "WAYMARK_LOCAL_KAFKA_PORT": str(self.port),
            "WAYMARK_LOCAL_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "WAYMARK_LOCAL_KAFKA_HEAP": "-Xmx384m -Xms128m",
        }
        subprocess.run([str(KAFKA_SH), command], env=env, check=True, timeout=180)

    def start(self) -> None:
        """Start it (again, keeping its data) and wait until it serves."""
        self._run("start")

    def stop(self) -> None:
        """Stop it (TERM, then KILL after 30 s)."""
        self._run("stop")


@pytest.fixture(scope="module")
def private_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateBroker]:
    """A broker this module may stop and start at will; stopped at the end."""
    broker = PrivateBroker(tmp_path_factory.mktemp("kafka"), _free_port(), _free_port())
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()

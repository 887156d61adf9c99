"""A private Kafka broker or FerretDB for the tests that stop them.

The shared local stack serves other tests, so it is never stopped: these run from the same
jars and binary, through the same scripts (`deploy/local/kafka.sh`, `ferretdb.sh`), with
their own data directory and free ports, and are stopped at the end of their test.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .processes import free_port

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "deploy" / "local"


@dataclass
class PrivateServer:
    """One server of the local stack under its own directory and ports."""

    script: str
    directory: Path
    ports: dict[str, int]

    def _run(self, command: str) -> None:
        env = {
            **os.environ,
            "WAYMARK_LOCAL_DIR": str(self.directory),
            "WAYMARK_LOCAL_KAFKA_HEAP": "-Xmx384m -Xms128m",
            **{name: str(port) for name, port in self.ports.items()},
        }
        subprocess.run([str(SCRIPTS / self.script), command], env=env, check=True, timeout=180)

    def start(self) -> float:
        """Start it (again, on its data) and wait until it serves; the seconds it took."""
        began = time.monotonic()
        self._run("start")
        return time.monotonic() - began

    def stop(self) -> float:
        """Stop it (TERM, then KILL after 30 s); the seconds it took."""
        began = time.monotonic()
        self._run("stop")
        return time.monotonic() - began


def private_kafka(directory: Path) -> PrivateServer:
    """A single-node KRaft broker on free ports."""
    port, controller = free_port(), free_port()
    return PrivateServer(
        "kafka.sh",
        directory,
        {"WAYMARK_LOCAL_KAFKA_PORT": port, "WAYMARK_LOCAL_KAFKA_CONTROLLER_PORT": controller},
    )


def private_ferretdb(directory: Path) -> PrivateServer:
    """FerretDB on its SQLite backend on a free port."""
    return PrivateServer("ferretdb.sh", directory, {"WAYMARK_LOCAL_MONGO_PORT": free_port()})


def kafka_bootstrap_of(server: PrivateServer) -> str:
    """The bootstrap address of a private broker."""
    return f"127.0.0.1:{server.ports['WAYMARK_LOCAL_KAFKA_PORT']}"


def mongo_url_of(server: PrivateServer) -> str:
    """The connection string of a private FerretDB."""
    return f"mongodb://127.0.0.1:{server.ports['WAYMARK_LOCAL_MONGO_PORT']}/"

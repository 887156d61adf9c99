"""The machine a benchmark ran on: CPU model, cores, memory, OS, Python, Kafka, load."""

from __future__ import annotations

import json
import os
import platform
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, else what `platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def memory_gib() -> float | None:
    """Total memory in GiB, or None where /proc/meminfo is missing."""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return round(kib / 1024 / 1024, 1)


def kafka_version() -> str:
    """The running broker's version from its class path, else the local stack's pinned one."""
    proc = Path("/proc")
    try:
        pids = [p for p in proc.iterdir() if p.name.isdigit()]
    except OSError:
        pids = []
    for pid in pids:
        try:
            cmdline = (pid / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "kafka.Kafka" in cmdline:
            found = re.search(r"kafka_2\.\d+-(\d+\.\d+\.\d+)\.jar", cmdline)
            if found:
                return found.group(1)
    try:
        text = (ROOT / "deploy" / "local" / "common.sh").read_text()
        pinned = re.search(r'KAFKA_VERSION="([^"]+)"', text)
        if pinned:
            return f"{pinned.group(1)} (the local stack's)"
    except OSError:
        pass
    return "unknown"


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine() -> dict[str, Any]:
    """Everything the report says about the machine."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": memory_gib(),
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "kafka": kafka_version(),
    }


def describe(info: dict[str, Any]) -> str:
    """The machine in one line."""
    memory = f"{info['memory_gib']} GiB RAM, " if info.get("memory_gib") else ""
    return (
        f"{info['cpu']}, {info['cores']} logical CPUs, {memory}{info['os']}, "
        f"Python {info['python']}, Kafka {info['kafka']}"
    )


def write_json(path: str | Path | None, result: dict[str, Any]) -> None:
    """Write one benchmark's result where `--json` asked (nothing when it did not)."""
    if path is None:
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    print(json.dumps({**machine(), "load": load_average()}, indent=2))

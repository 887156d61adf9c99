"""A real Prometheus scraping the running platform answers every dashboard panel's query.

Starts the platform with `deploy/local/supervisor.py` on its own ports, topic prefix, consumer
groups and database, with a few demo customers; starts Debian's `prometheus` binary on loopback
with the shipped scrape jobs pointed at those ports and the shipped alert rules; then checks
that every query of every panel returns at least one series.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location(
    "waymark_dashboard_queries", ROOT / "tests/unit/observability/dashboard_queries.py"
)
assert _spec is not None
assert _spec.loader is not None
dq = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dq)

BIN = Path(sys.executable).parent
JOB_PORT = {
    "waymark-engine-api": "api",
    "waymark-engine-worker": "worker",
    "waymark-dispatch": "dispatch",
    "waymark-analytics": "analytics",
    "waymark-ingest": "ingest",
}
pytestmark = pytest.mark.timeout(280)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def analytics_runnable() -> bool:
    """analytics is being built: run it only when its entry point imports."""
    if not (BIN / "waymark-analytics").exists():
        return False
    probe = subprocess.run(
        [str(BIN / "python"), "-c", "import waymark.analytics.__main__"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return probe.returncode == 0


def wait_for_line(proc: subprocess.Popen[str], marker: str, within: float) -> list[str]:
    """Read the process's output until `marker`; fail with what it said otherwise."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if marker in line:
            return seen
    pytest.fail("the platform did not start:\n" + "".join(seen[-40:]), pytrace=False)


async def drop_test_state(bootstrap: str, prefixes: tuple[str, ...], mongo: str, db: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient
    from pymongo import AsyncMongoClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if t.startswith(prefixes)]
        if topics:
            await admin.delete_topics(topics)
    finally:
        await admin.close()
    client: AsyncMongoClient[Any] = AsyncMongoClient(mongo)
    try:
        await client.drop_database(db)
    finally:
        await client.close()


@pytest.fixture
def platform(kafka_bootstrap: str, mongo_url: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The platform under the supervisor, on test ports; stopped with SIGINT afterwards."""
    token = uuid.uuid4().hex[:8]
    ports = {n: free_port() for n in ("api", "worker", "dispatch", "analytics", "ingest")}
    ports |= {"sink_http": free_port(), "smtp": free_port()}
    env = {
        **os.environ,
        "WAYMARK_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "WAYMARK_MONGO_URL": mongo_url,
        "WAYMARK_KAFKA_TOPIC_PREFIX": f"obs{token}.",
        "WAYMARK_KAFKA_PARTITIONS": "2",
        "WAYMARK_MONGO_DATABASE": f"obs{token}",
        "WAYMARK_LOCAL_DIR": str(tmp_path / "local"),
        "WAYMARK_ENGINE_WORKER_APP_ID": f"obs{token}-engine",
        "WAYMARK_ENGINE_WORKER_STORE": "memory://",
        "WAYMARK_DISPATCH_GROUP_ID": f"obs{token}-dispatch",
        "WAYMARK_ANALYTICS_GROUP_ID": f"obs{token}-analytics",
        **{f"WAYMARK_RUN_{n.upper()}_PORT": str(p) for n, p in ports.items()},
    }
    subprocess.run(
        [str(BIN / "waymark"), "topics", "ensure"], env=env, check=True, capture_output=True
    )
    with_analytics = analytics_runnable()
    argv = [str(BIN / "python"), str(ROOT / "deploy/local/supervisor.py")]
    argv += ["--customers", "12", "--rate", "20"]
    if not with_analytics:
        argv += ["--skip", "analytics"]
    proc = subprocess.Popen(
        argv,
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for_line(proc, "Ctrl-C stops everything", within=150)
        yield {"ports": ports, "analytics": with_analytics}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
        asyncio.run(
            drop_test_state(
                kafka_bootstrap, (f"obs{token}.", f"obs{token}-"), mongo_url, f"obs{token}"
            )
        )


@pytest.fixture
def prometheus(platform: dict[str, Any], tmp_path: Path) -> Iterator[str]:
    """Prometheus on a loopback port with the shipped jobs pointed at the platform's ports."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail(
            "prometheus is missing: run deploy/observability/install-tools.sh", pytrace=False
        )
    config = yaml.safe_load((dq.PROMETHEUS / "prometheus.yml").read_text())
    config["global"] = {"scrape_interval": "2s", "evaluation_interval": "2s"}
    config["rule_files"] = [str(dq.PROMETHEUS / "rules" / "*.yml")]
    jobs = []
    for job in config["scrape_configs"]:
        if job["job_name"] == "waymark-analytics" and not platform["analytics"]:
            continue
        port = platform["ports"][JOB_PORT[job["job_name"]]]
        jobs.append({**job, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]})
    config["scrape_configs"] = jobs
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = (tmp_path / "prometheus.log").open("wb")
    proc = subprocess.Popen(
        [
            binary,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def empty_queries(client: httpx.Client, skip_analytics: bool) -> list[str]:
    """Every panel query that has no series right now, as "dashboard: panel: query"."""
    empty = []
    for name, board in dq.dashboards().items():
        for panel in dq.panels(board):
            for target in panel["targets"]:
                expr = dq.expand(target["expr"], board)
                if skip_analytics and any(
                    m.startswith("waymark_analytics_") for m in dq.metric_names(expr)
                ):
                    continue
                answer = client.get("/api/v1/query", params={"query": expr}).json()
                assert answer["status"] == "success", f"{name}: {expr}: {answer}"
                if not answer["data"]["result"]:
                    empty.append(f"{name}: {panel['title']}: {expr}")
    return empty


def test_every_dashboard_panel_query_returns_a_series(
    platform: dict[str, Any], prometheus: str
) -> None:
    if not platform["analytics"]:
        warnings.warn(
            "analytics is not runnable yet: it was not started and panels on its metrics "
            "(waymark_analytics_*) were not checked",
            stacklevel=1,
        )
    expected_jobs = {j for j in JOB_PORT if platform["analytics"] or j != "waymark-analytics"}
    with httpx.Client(base_url=prometheus, timeout=10) as client:
        deadline = time.monotonic() + 60
        healthy: set[str] = set()
        while time.monotonic() < deadline and healthy != expected_jobs:
            time.sleep(1)
            try:
                targets = client.get("/api/v1/targets").json()["data"]["activeTargets"]
            except httpx.HTTPError:
                continue
            healthy = {t["labels"]["job"] for t in targets if t["health"] == "up"}
        assert healthy == expected_jobs, f"targets up: {healthy}, expected {expected_jobs}"

        # Demo traffic runs through every service; rates need a few scrapes of it.
        deadline = time.monotonic() + 90
        empty = empty_queries(client, not platform["analytics"])
        while empty and time.monotonic() < deadline:
            time.sleep(3)
            empty = empty_queries(client, not platform["analytics"])
        assert not empty, "panel queries without a series:\n" + "\n".join(empty)

        rules = client.get("/api/v1/rules").json()["data"]["groups"]
        loaded = {r["name"] for g in rules for r in g["rules"]}
        assert "WaymarkServiceDown" in loaded, loaded

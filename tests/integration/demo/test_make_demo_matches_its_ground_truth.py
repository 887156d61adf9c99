"""`make demo` end to end: every service, the bounded scenario, the summary and its verdict."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.timeout(600)
def test_make_demo_matches_its_ground_truth(kafka_bootstrap: str, mongo_url: str) -> None:
    env = {**os.environ, "WAYMARK_KAFKA_BOOTSTRAP": kafka_bootstrap, "WAYMARK_MONGO_URL": mongo_url}
    done = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "local" / "demo.py"), "--customers", "60"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    print(done.stdout[-6000:])
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "every figure matches the ground truth" in done.stdout
    # The table really compared something: orders were confirmed and emails reached the sink.
    rows = {
        line[:40].strip(): line[40:].split()
        for line in done.stdout.splitlines()
        if line.startswith(("entries", "messages"))
    }
    expected, observed = rows["entries  order-confirmation"]
    assert int(expected) > 0
    assert expected == observed
    expected, observed = rows["messages email in sink"]
    assert int(expected) > 0
    assert expected == observed
    assert "stopped." in done.stdout

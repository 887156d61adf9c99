"""`WAYMARK_DISPATCH_CPU_CLASS=idle` puts the process, and every thread it starts afterwards,
in Linux's idle scheduling class; `normal` leaves it alone; anything else fails at start-up
naming the variable. Each case runs in a child process, so the test process keeps its class."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from waymark.channel_dispatch.settings import DispatchSettings
from waymark.core.settings import SettingsError, load_settings

_CHILD = """
import json, os, threading
from waymark.channel_dispatch.__main__ import yield_cpu
from waymark.channel_dispatch.settings import DispatchSettings
from waymark.core.settings import load_settings
yield_cpu(load_settings(DispatchSettings))
seen = {}
thread = threading.Thread(target=lambda: seen.update(thread=os.sched_getscheduler(0)))
thread.start()
thread.join()
print(json.dumps({"main": os.sched_getscheduler(0), "nice": os.nice(0), **seen}))
"""


def _child(env: dict[str, str]) -> dict[str, int]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WAYMARK_DISPATCH_")}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(done.stdout))


def test_idle_puts_the_process_and_its_later_threads_in_the_idle_class() -> None:
    seen = _child({"WAYMARK_DISPATCH_CPU_CLASS": "idle", "WAYMARK_DISPATCH_NICE": "10"})
    assert seen == {
        "main": os.SCHED_IDLE,
        "thread": os.SCHED_IDLE,
        "nice": min(os.nice(0) + 10, 19),
    }


def test_normal_is_the_default_and_changes_nothing() -> None:
    seen = _child({})
    assert seen["main"] == seen["thread"] == os.SCHED_OTHER
    assert seen["nice"] == os.nice(0)


def test_an_unknown_class_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYMARK_DISPATCH_CPU_CLASS", "realtime")
    with pytest.raises(SettingsError, match="WAYMARK_DISPATCH_CPU_CLASS"):
        load_settings(DispatchSettings)

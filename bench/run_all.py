"""`make bench`: every benchmark, one after the other, then docs/benchmarks.md and the JSON.

Each benchmark runs as its own process (`bench/NAME.py ... --json FILE`), printing its progress
and figures as it goes; a benchmark that fails is recorded with its exit status and the others
still run. The figures are judged against the goals (bench/report.py) and written to
docs/benchmarks.md and bench/results/latest.json — or, with `--quick` (small sizes, a smoke
run of every benchmark in a few minutes), to .local/bench/quick.md and quick.json, leaving the
published figures alone.

Run (local stack up): `.venv/bin/python bench/run_all.py [--quick] [--only NAME ...]`; `--only`
reruns some benchmarks and keeps the others' figures from the last run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from machine import ROOT, load_average, machine
from report import number, write

BENCH = Path(__file__).resolve().parent

# name → (arguments of a full run, arguments of a quick one), in the order they run.
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "decide": ([], ["--customers", "2000", "--inputs", "20000", "--repeat", "1"]),
    "states": ([], ["--states", "20000", "--sample", "5000"]),
    "engine": ([], ["--events", "20000", "--customers", "2000", "--timers", "5000"]),
    "dispatch": ([], ["--backlog", "2000", "--idle-s", "5", "--capped-backlog", "1000"]),
    "ingest": (
        [],
        ["--seconds", "3", "--single-clients", "8", "--batch-clients", "4"],
    ),
    "e2e": ([], ["--rates", "250", "--seconds", "5", "--background", "500"]),
}


def run_one(name: str, args: list[str], limit: float) -> dict[str, Any]:
    """Run one benchmark; its figures, or {"error": ...} when it failed."""
    with tempfile.TemporaryDirectory(prefix="waymark-bench-") as tmp:
        out = Path(tmp) / f"{name}.json"
        argv = [sys.executable, str(BENCH / f"{name}.py"), *args, "--json", str(out)]
        print(f"\n=== {name}: bench/{name}.py {' '.join(args)}", flush=True)
        started = time.monotonic()
        try:
            done = subprocess.run(argv, cwd=ROOT, timeout=limit, check=False)
        except subprocess.TimeoutExpired:
            return {"error": f"did not finish within {limit:.0f} s"}
        seconds = time.monotonic() - started
        if done.returncode != 0 or not out.exists():
            return {"error": f"exited with status {done.returncode} after {seconds:.0f} s"}
        figures: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        figures["wall_s"] = round(seconds, 1)
        figures["ran_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return figures


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, write the report; 1 when a benchmark failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these")
    parser.add_argument("--docs", type=Path, help="the page to write (default by mode)")
    parser.add_argument("--json", type=Path, help="the JSON to write (default by mode)")
    parser.add_argument("--note", help="a sentence for the page, e.g. what else ran meanwhile")
    args = parser.parse_args(argv)
    # A smoke run's figures go to the ignored .local/, never over the published ones.
    smoke = ROOT / ".local" / "bench"
    docs = args.docs or (smoke / "quick.md" if args.quick else ROOT / "docs" / "benchmarks.md")
    json_path = args.json or (
        smoke / "quick.json" if args.quick else BENCH / "results" / "latest.json"
    )
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "load_before": load_average(),
        "quick": args.quick,
        "note": args.note,
        "benchmarks": {},
    }
    if args.only and json_path.exists():
        # A partial run keeps the other benchmarks' figures from the last run.
        previous = json.loads(json_path.read_text(encoding="utf-8"))
        results["benchmarks"] = dict(previous.get("benchmarks", {}))
    limit = 360.0 if args.quick else 1500.0
    for name, (full, quick) in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        results["benchmarks"][name] = run_one(name, quick if args.quick else full, limit)
    results["load_after"] = load_average()
    verdicts = write(results, docs, json_path)
    print(f"\nwrote {docs.relative_to(ROOT) if docs.is_relative_to(ROOT) else docs}", flush=True)
    print(f"wrote {json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path}")
    for v in verdicts:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[v["met"]]
        print(
            f"  {v['benchmark']:<9} {v['measure']:<48} {number(v['result'], v['unit']):>14}"
            f"  goal {v['goal']:<12} {verdict}"
        )
    failed = [n for n, f in results["benchmarks"].items() if "error" in f]
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

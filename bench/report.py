"""The benchmark report: figures against their goals, as docs/benchmarks.md and as JSON.

`bench/run_all.py` collects each benchmark's `--json` output into one results document —
`{"date", "machine", "load_before", "load_after", "quick", "benchmarks": {name: figures or
{"error": ...}}}` — and this module judges it against the goals and renders the page.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from machine import describe


@dataclass(frozen=True)
class Goal:
    """One promise: a figure of a benchmark, compared with a target."""

    benchmark: str
    measure: str
    figure: Callable[[Mapping[str, Any]], float | None]
    op: str
    target: float
    unit: str = ""
    holds: Callable[[Mapping[str, Any]], bool] | None = None
    """A condition the run must also meet for the figure to count (e.g. the rate was reached)."""

    def judge(self, figures: Mapping[str, Any]) -> tuple[float | None, bool | None]:
        """The figure and whether it meets the goal (None when it was not measured)."""
        try:
            value = self.figure(figures)
            valid = self.holds is None or self.holds(figures)
        except (KeyError, IndexError, TypeError):
            value, valid = None, False
        if value is None:
            return None, None
        compare = {"≥": operator.ge, "≤": operator.le}[self.op]
        return value, valid and bool(compare(value, self.target))


def _e2e_row(figures: Mapping[str, Any], rate: float) -> Mapping[str, Any] | None:
    for row in figures["rates"]:
        if float(row["rate"]) == rate:
            return row  # type: ignore[no-any-return]
    return None


def _e2e_p99(rate: float) -> Callable[[Mapping[str, Any]], float | None]:
    def figure(figures: Mapping[str, Any]) -> float | None:
        row = _e2e_row(figures, rate)
        return row.get("p99_ms") if row is not None else None

    return figure


def _e2e_carried(rate: float) -> Callable[[Mapping[str, Any]], bool]:
    """Every probe arrived, and the stream reached 95 % of the rate."""

    def holds(figures: Mapping[str, Any]) -> bool:
        row = _e2e_row(figures, rate)
        return (
            row is not None
            and not row.get("missing")
            and float(row.get("reached_per_s") or 0) >= 0.95 * rate
        )

    return holds


GOALS = (
    Goal("decide", "decide() decisions/s", lambda f: f["decide_per_s"], "≥", 100_000),
    Goal("decide", "median state size", lambda f: f["state_bytes_median"], "≤", 1024, " B"),
    Goal("engine", "engine / plain aiokafka loop", lambda f: f["ratio"], "≥", 0.5),
    Goal(
        "engine", "engine inputs/s, 20 journeys, 1 worker", lambda f: f["engine_per_s"], "≥", 10_000
    ),
    Goal(
        "engine",
        "timers due at one instant: all fired",
        lambda f: f["timers_fired_s"],
        "≤",
        2,
        " s",
    ),
    Goal(
        "e2e",
        "p99 ingest → SMTP sink at 1,000 events/s (all arrived, rate reached)",
        _e2e_p99(1000),
        "≤",
        200,
        " ms",
        _e2e_carried(1000),
    ),
    Goal("dispatch", "emails/s into the SMTP sink", lambda f: f["emails_per_s"], "≥", 2000),
    Goal("dispatch", "transactional p99 burst / idle", lambda f: f["ratio"], "≤", 1.2),
)


def number(value: Any, unit: str = "") -> str:
    """A figure for people: thousands separated, at most two decimals."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
    elif isinstance(value, int | float):
        text = f"{int(value):,}"
    else:
        text = str(value)
    return f"{text}{unit}"


def judge(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every goal with its figure and verdict (`met` is None when it was not measured)."""
    rows = []
    for goal in GOALS:
        figures = results["benchmarks"].get(goal.benchmark) or {}
        value, met = goal.judge(figures) if "error" not in figures else (None, None)
        rows.append(
            {
                "benchmark": goal.benchmark,
                "measure": goal.measure,
                "result": value,
                "goal": f"{goal.op} {number(goal.target)}{goal.unit}",
                "unit": goal.unit,
                "met": met,
            }
        )
    return rows


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _section(results: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    figures = results["benchmarks"].get(name)
    return figures if figures and "error" not in figures else None


def _failed(results: Mapping[str, Any], name: str) -> list[str]:
    figures = results["benchmarks"].get(name)
    if figures is None:
        return ["Not run this time.", ""]
    return [f"Did not finish: {figures['error']}", ""]


def _decide(results: Mapping[str, Any]) -> list[str]:
    out = ["## `decide()` — `bench/decide.py`", ""]
    f = _section(results, "decide")
    if f is None:
        return out + _failed(results, "decide")
    out += [
        f"{f['journeys']} active journeys (`bench/catalog.yaml`), {number(f['customers'])} "
        f"customers, {number(f['decisions'])} decisions of a realistic input mix "
        f"({number(f['ticks'])} timer ticks), CPU time on one core, best of {f['repeat']}.",
        "",
    ]
    out += _table(
        ("measure", "result"),
        [
            ("`decide()` alone", f"{number(f['decide_per_s'])} decisions/s ({f['decide_us']} µs)"),
            (
                "decode + decide + encode (per input with a RocksDB table)",
                f"{number(f['codec_per_s'])} /s",
            ),
            (
                "state size, all customers",
                f"median {number(f['state_bytes_median'])} B, p95 {number(f['state_bytes_p95'])} B,"
                f" max {number(f['state_bytes_max'])} B",
            ),
            (
                "customers with three live instances",
                f"{number(f['three_instances'])}: median "
                f"{number(f['three_instances_bytes_median'])} B, "
                f"max {number(f['three_instances_bytes_max'])} B",
            ),
        ],
    )
    return [*out, ""]


def _engine(results: Mapping[str, Any]) -> list[str]:
    out = ["## Engine worker — `bench/engine.py`", ""]
    f = _section(results, "engine")
    if f is None:
        return out + _failed(results, "engine")
    out += [
        f"{number(f.get('events'))} CustomerEvents for {number(f.get('customers'))} customers, "
        f"{f.get('journeys', 20)} active journeys; the same records through a plain aiokafka "
        "consume → decode → encode → produce → commit loop in the same run on the same broker; "
        f"then {number(f['timers'])} customers waiting until one instant.",
        "",
    ]
    out += _table(
        ("measure", "result"),
        [
            ("plain aiokafka loop", f"{number(f['plain_loop_per_s'])} records/s"),
            ("engine worker, one process", f"{number(f['engine_per_s'])} inputs/s"),
            ("ratio engine / plain", number(f["ratio"])),
            (
                "CPU per record: plain loop / engine",
                f"{number(f.get('plain_cpu_us'), ' µs')} / {number(f.get('engine_cpu_us'), ' µs')}",
            ),
            (
                "ratio of CPU per record (the rate ratio on a machine to itself)",
                number(f.get("cpu_ratio")),
            ),
            (
                f"{number(f['timers'])} timers due at one instant: all fired",
                f"{f['timers_fired_s']} s",
            ),
            ("… and all their ticks decided", f"{f['timers_decided_s']} s"),
        ],
    )
    return [*out, ""]


def _e2e(results: Mapping[str, Any]) -> list[str]:
    out = ["## End to end — `bench/e2e.py`", ""]
    f = _section(results, "e2e")
    if f is None:
        return out + _failed(results, "e2e")
    out += [
        "Every service `make run` starts, on the local stack. At each rate, for "
        f"{number(f['seconds'])} s, {f['probe_share']:.0%} of the events are probes: an "
        "`order_completed` of a customer with an email address, its own `POST /v1/track`, "
        "which `order-confirmation` answers with an email at once; the rest are batches of "
        "views, cart updates, checkouts and traits. Latency runs from the probe's request to "
        "ingest (counted only when answered 202; the request's start is used because a busy "
        "client reads its 202s late) to the SMTP sink accepting its email; the p99 of ingest's "
        "own answer is shown beside it. When `reached` is below the rate, the machine could "
        "not carry the stream, and the latencies include the time requests queued in the "
        "sending client.",
        "",
    ]
    rows = [
        (
            number(r["rate"]),
            number(r.get("reached_per_s")),
            number(r.get("p50_ms"), " ms"),
            number(r.get("p95_ms"), " ms"),
            number(r.get("p99_ms"), " ms"),
            number(r.get("ingest_p99_ms"), " ms"),
            f"{number(r['probes'])} ({number(r['missing'])} missing)",
            " ".join(str(x) for x in r.get("load", [])),
        )
        for r in f["rates"]
    ]
    header = ("events/s", "reached", "p50", "p95", "p99", "ingest 202 p99", "probes", "load")
    out += _table(header, rows)
    return [*out, ""]


def _states(results: Mapping[str, Any]) -> list[str]:
    out = ["## Customer states — `bench/states.py`", ""]
    f = _section(results, "states")
    if f is None:
        return out + _failed(results, "states")
    out += [
        f"{number(f['states'])} customers, each through `decide()` over the 20 journeys of the "
        f"catalog ({f['live_instances_mean']} live instances on average), serialized with "
        "`to_bytes()` and written to RocksDB (rocksdict, raw mode) as the worker stores them.",
        "",
    ]
    out += _table(
        ("measure", "result"),
        [
            (
                "serialized state",
                f"median {number(f['state_bytes_median'])} B, p95 {number(f['state_bytes_p95'])} B,"
                f" mean {number(f['state_bytes_mean'])} B "
                f"({number(f['serialized_total_mib'])} MiB in all)",
            ),
            (
                "RocksDB on disk, after a full compaction",
                f"{number(f['disk_mib'])} MiB ({number(f['disk_bytes_per_state'])} B per state)",
            ),
            ("RSS growth while the store filled", f"{number(f['rss_growth_mib'])} MiB"),
            (
                f"decoded as objects (sample of {number(f['object_sample'])})",
                f"{number(f['object_bytes_per_state'])} B per state, about "
                f"{number(f['objects_all_mib_estimate'])} MiB for all",
            ),
        ],
    )
    return [*out, ""]


def _dispatch(results: Mapping[str, Any]) -> list[str]:
    out = ["## channel-dispatch — `bench/dispatch.py`", ""]
    f = _section(results, "dispatch")
    if f is None:
        return out + _failed(results, "dispatch")
    out += [
        f"{number(f['backlog'])} marketing commands queued, transactional commands sent during "
        f"the burst ({f['layout']}); the SMTP sinks, FerretDB and Kafka share the machine.",
        "",
    ]
    out += _table(
        ("measure", "result"),
        [
            ("emails/s into the SMTP sink", number(f["emails_per_s"])),
            *(
                [
                    (
                        f"… while the transactional probe ran ({number(f['probe_rate'])}/s)",
                        number(f["emails_per_s_probed"]),
                    )
                ]
                if "emails_per_s_probed" in f
                else []
            ),
            ("dispatcher CPU per email", f"{f['cpu_ms_per_email']} ms"),
            ("transactional idle p50 / p99", f"{f['idle_p50_ms']} / {f['idle_p99_ms']} ms"),
            ("transactional burst p50 / p99", f"{f['burst_p50_ms']} / {f['burst_p99_ms']} ms"),
            ("p99 burst / p99 idle", number(f["ratio"])),
            *(
                [
                    (
                        f"p99 / p99 idle, marketing capped at {number(f['capped_rate'])}/s",
                        f"{number(f['capped_ratio'])} ({f['capped_p99_ms']} ms)",
                    )
                ]
                if "capped_ratio" in f
                else []
            ),
        ],
    )
    return [
        *out,
        "",
        "Each lane has its own process, consumer group and bounds, and its own SMTP sink (as "
        "transactional and marketing mail go through separate provider streams); the "
        "transactional process keeps its ledger in a database of its own, and runs on while "
        "the marketing process is stopped, the backlog queued and marketing started again. The "
        "marketing process and its sink run in the idle CPU class (a woken transactional hop "
        "takes a core from them at once). The throughput is that of a drain with nothing else "
        "sent; the ratio comes from a second drain with the probe running. FerretDB and Kafka "
        "serve both lanes at normal priority, so during a full-speed drain each hop of a "
        "transactional send (the Kafka fetch, the ledger claim, the SMTP call) still waits a "
        "little for a core now and then: the median does not move, the p99 does. Capped so "
        "the cores have room, the drain leaves the transactional tail about as it was idle.",
        "",
    ]


def _ingest(results: Mapping[str, Any]) -> list[str]:
    out = ["## trigger-ingest — `bench/ingest.py`", ""]
    f = _section(results, "ingest")
    if f is None:
        return out + _failed(results, "ingest")
    out += [
        "One `waymark-ingest` process (one uvicorn worker, acks=all, idempotent producer) "
        "driven from a second process on loopback; every 202 is a durable event.",
        "",
    ]
    rows = [
        (
            f"{s['scenario']}, {s['clients']} clients",
            number(s["events_per_s"]),
            number(s["p50_ms"], " ms"),
            number(s["p99_ms"], " ms"),
            number(s.get("server_cpu_ms_per_request"), " ms"),
        )
        for s in f["scenarios"]
    ]
    header = ("scenario", "events/s", "p50", "p99", "server CPU per request")
    return [*out, *_table(header, rows), ""]


def render(results: Mapping[str, Any]) -> str:
    """docs/benchmarks.md from a results document."""
    verdicts = judge(results)
    load_before = " ".join(str(x) for x in results.get("load_before", []))
    load_after = " ".join(str(x) for x in results.get("load_after", []))
    kind = "a quick smoke run (small sizes; not comparable)" if results.get("quick") else "one run"
    out = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` (`bench/run_all.py`) from {kind} on {results['date']}; the "
        "same figures are in `bench/results/latest.json`. Do not edit the figures here: rerun "
        "`make bench` (the local stack must be up, `make infra-up`). Each benchmark can also run "
        "alone — `.venv/bin/python bench/NAME.py --help` — and prints its progress and figures.",
        "",
        f"Machine: {describe(results['machine'])}. Load average (1, 5, 15 min) before: "
        f"{load_before or '—'}, after: {load_after or '—'}. The machine may be shared with "
        "other work while the benchmarks run; where the load is above the core count, read "
        "the figures as lower bounds.",
        "",
        *([str(results["note"]), ""] if results.get("note") else []),
        "## Against the goals",
        "",
    ]
    marks = {True: "yes", False: "**no**", None: "not measured"}
    out += _table(
        ("benchmark", "measure", "result", "goal", "met"),
        [
            (
                v["benchmark"],
                v["measure"],
                number(v["result"], v["unit"]),
                v["goal"],
                marks[v["met"]],
            )
            for v in verdicts
        ],
    )
    out.append("")
    parts = {
        "decide": _decide,
        "engine": _engine,
        "e2e": _e2e,
        "states": _states,
        "dispatch": _dispatch,
        "ingest": _ingest,
    }
    for name, part in parts.items():
        lines = part(results)
        figures = _section(results, name)
        if figures is not None and figures.get("ran_at"):
            ran = f"Ran {figures['ran_at']}, {number(figures.get('wall_s'))} s of wall time."
            lines[2:2] = [ran, ""]
        out += lines
    return "\n".join(out).rstrip() + "\n"


def write(results: dict[str, Any], docs: Path, json_path: Path) -> list[dict[str, Any]]:
    """Judge the results, write the page and the JSON (with the verdicts); the verdicts."""
    verdicts = judge(results)
    document = {**results, "goals": verdicts}
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    docs.parent.mkdir(parents=True, exist_ok=True)
    docs.write_text(render(results), encoding="utf-8")
    return verdicts

"""`make run`: every Waymark service on the local stack, the example journeys, demo traffic.

Starts the development sinks, trigger-ingest, the engine worker and API (with the console),
channel-dispatch and analytics as child processes with their logs in `.local/logs/`, loads the
example templates and journeys through the management API, then sends demo traffic through
trigger-ingest until Ctrl-C, which stops everything it started. Secrets for the local run
(write key, API token, webhook secret) are generated once into `.local/run/secrets.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[2]
LOCAL = Path(os.environ.get("WAYMARK_LOCAL_DIR", ROOT / ".local"))
BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).parent))
from demo_traffic import DemoTraffic  # noqa: E402


@dataclass
class Service:
    """One child process and how to tell it is up."""

    name: str
    argv: list[str]
    health: str | None
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    log_dir: Path = field(default_factory=lambda: LOCAL / "logs")

    @property
    def log(self) -> Path:
        """Where its output goes."""
        return self.log_dir / f"{self.name}.log"

    def start(self, base_env: dict[str, str]) -> None:
        """Start the process with the shared and its own environment."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            env={**base_env, **self.env},
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )

    def tail(self, lines: int = 30) -> str:
        """The last lines of its log."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    async def wait_up(self, client: httpx.AsyncClient, within: float = 120) -> None:
        """Wait until its health URL answers 200; fail with the log tail."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                break
            if self.health is None:
                return
            try:
                if (await client.get(self.health, timeout=1)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
        raise SystemExit(f"{self.name} did not come up; last lines of {self.log}:\n{self.tail()}")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 20 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def local_secrets() -> dict[str, str]:
    """Generated once per checkout and kept in the ignored `.local/run/`."""
    path = LOCAL / "run" / "secrets.json"
    if path.exists():
        loaded: dict[str, str] = json.loads(path.read_text())
        return loaded
    values = {
        name: secrets.token_urlsafe(24)
        for name in (
            "write_key",
            "admin_token",
            "viewer_token",
            "webhook_secret",
            "unsubscribe_secret",
        )
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


def services(ports: dict[str, int], keys: dict[str, str], local: Path = LOCAL) -> list[Service]:
    """The processes of the platform, in start order; logs and engine state under `local`."""
    url = "http://127.0.0.1:{}".format
    provider = url(ports["sink_http"])
    platform = [
        Service(
            "sinks",
            [
                str(BIN / "python"),
                "-m",
                "waymark.channel_dispatch.sinks",
                "--smtp-port",
                str(ports["smtp"]),
                "--http-port",
                str(ports["sink_http"]),
            ],
            f"{provider}/healthz",
        ),
        Service(
            "trigger-ingest",
            [str(BIN / "waymark-ingest")],
            f"{url(ports['ingest'])}/readyz",
            {
                "WAYMARK_INGEST_HOST": "127.0.0.1",
                "WAYMARK_INGEST_PORT": str(ports["ingest"]),
                "WAYMARK_INGEST_WRITE_KEYS": json.dumps({"demo": keys["write_key"]}),
                "WAYMARK_INGEST_WEBHOOK_SECRETS": json.dumps(
                    {p: [keys["webhook_secret"]] for p in ("email", "sms", "push")}
                ),
            },
        ),
        Service(
            "engine-worker",
            [str(BIN / "waymark-engine-worker")],
            f"{url(ports['worker'])}/readyz",
            {
                "WAYMARK_ENGINE_WORKER_WEB_PORT": str(ports["worker"]),
                "WAYMARK_ENGINE_WORKER_DATA_DIR": str(local / "engine"),
            },
        ),
        Service(
            "engine-api",
            [str(BIN / "waymark-engine-api")],
            f"{url(ports['api'])}/readyz",
            {
                "WAYMARK_ENGINE_API_HOST": "127.0.0.1",
                "WAYMARK_ENGINE_API_PORT": str(ports["api"]),
                "WAYMARK_ENGINE_API_ANALYTICS_URL": url(ports["analytics"]),
                "WAYMARK_ENGINE_API_TOKENS": json.dumps(
                    {keys["admin_token"]: "admin", keys["viewer_token"]: "viewer"}
                ),
            },
        ),
        Service(
            "channel-dispatch",
            [str(BIN / "waymark-dispatch")],
            f"{url(ports['dispatch'])}/readyz",
            {
                "WAYMARK_DISPATCH_HTTP_PORT": str(ports["dispatch"]),
                "WAYMARK_DISPATCH_SMTP_PORT": str(ports["smtp"]),
                "WAYMARK_DISPATCH_SMS_BASE_URL": provider,
                "WAYMARK_DISPATCH_PUSH_BASE_URL": provider,
                "WAYMARK_DISPATCH_WEBHOOK_URL": f"{provider}/webhooks/waymark",
                "WAYMARK_DISPATCH_PUBLIC_URL": url(ports["dispatch"]),
                "WAYMARK_DISPATCH_UNSUBSCRIBE_SECRET": keys["unsubscribe_secret"],
            },
        ),
        Service(
            "analytics",
            [str(BIN / "waymark-analytics")],
            f"{url(ports['analytics'])}/readyz",
            {
                "WAYMARK_ANALYTICS_HOST": "127.0.0.1",
                "WAYMARK_ANALYTICS_PORT": str(ports["analytics"]),
            },
        ),
    ]
    for service in platform:
        service.log_dir = local / "logs"
    return platform


# Which port of `make run` each job of the shipped Prometheus config scrapes.
PROMETHEUS_JOBS = {
    "waymark-engine-api": "api",
    "waymark-engine-worker": "worker",
    "waymark-dispatch": "dispatch",
    "waymark-analytics": "analytics",
    "waymark-ingest": "ingest",
}


def prometheus(ports: dict[str, int], local: Path = LOCAL) -> Service | None:
    """Prometheus with the shipped scrape config and alert rules pointed at this run's ports,
    when the machine has it (`make observability-tools` installs Debian's package)."""
    binary = shutil.which("prometheus")
    if binary is None:
        return None
    shipped = ROOT / "deploy" / "observability" / "prometheus"
    config = yaml.safe_load((shipped / "prometheus.yml").read_text(encoding="utf-8"))
    config["rule_files"] = [str(shipped / "rules" / "*.yml")]
    config["scrape_configs"] = [
        {**job, "static_configs": [{"targets": [f"127.0.0.1:{ports[PROMETHEUS_JOBS[name]]}"]}]}
        for job in config["scrape_configs"]
        if (name := job["job_name"]) in PROMETHEUS_JOBS
    ]
    path = local / "run" / "prometheus.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    address = f"127.0.0.1:{ports['prometheus']}"
    service = Service(
        "prometheus",
        [
            binary,
            f"--config.file={path}",
            f"--storage.tsdb.path={local / 'prometheus'}",
            f"--web.listen-address={address}",
        ],
        f"http://{address}/-/ready",
    )
    service.log_dir = local / "logs"
    return service


DEFAULT_PORTS = {
    "api": 8080,
    "worker": 8082,
    "dispatch": 8083,
    "analytics": 8084,
    "ingest": 8090,
    "sink_http": 8025,
    "smtp": 2525,
    "prometheus": 9090,
}


async def start_all(procs: list[Service], base_env: dict[str, str]) -> None:
    """Start each service in order and wait until it answers its health check."""
    async with httpx.AsyncClient() as client:
        for service in procs:
            print(f"starting {service.name} …", flush=True)
            service.start(base_env)
            await service.wait_up(client)


def stop_all(procs: list[Service]) -> None:
    """Stop the services in reverse start order."""
    for service in reversed(procs):
        service.stop()


def template_body(entry: dict[str, Any]) -> dict[str, Any]:
    """A demo template for an id of examples/templates.yaml, on each of its channels."""
    tid = entry["id"]
    title = tid.replace("-", " ").capitalize()
    parts: dict[str, Any] = {}
    for channel in entry.get("channels", ["email"]):
        if channel == "email":
            parts["email"] = {
                "subject": f"{title}, {{{{ profile.first_name | default('there') }}}}",
                "text": f"Hello {{{{ profile.first_name | default('there') }}}},\n\n{title}.",
                "html": f"<p>Hello {{{{ profile.first_name | default('there') }}}},</p>"
                f"<p>{title}.</p>",
            }
        elif channel == "sms":
            parts["sms"] = {"body": f"{title}: reply STOP to opt out"}
        elif channel == "push":
            parts["push"] = {"title": title, "body": f"{title} — open the app"}
        elif channel == "webhook":
            # Nothing to render: a webhook send posts the command's context, signed.
            parts["webhook"] = {}
    return {"id": tid, "category": entry["category"], "channels": parts}


async def load_examples(api: str, token: str) -> None:
    """Templates through the API, then the journeys with `waymark apply`."""
    headers = {"Authorization": f"Bearer {token}"}
    doc = yaml.safe_load((ROOT / "examples" / "templates.yaml").read_text())
    async with httpx.AsyncClient(base_url=api, headers=headers, timeout=30) as client:
        for entry in doc["templates"]:
            body = template_body(entry)
            answer = await client.put(f"/v1/templates/{entry['id']}", json=body)
            if answer.status_code == 404 or answer.status_code == 405:
                answer = await client.post("/v1/templates", json=body)
            if answer.status_code >= 400 and answer.status_code != 409:
                print(f"template {entry['id']}: {answer.status_code} {answer.text}", flush=True)
    # The apply command is the journeys-as-code path users take; run it as they would.
    result = await asyncio.to_thread(
        subprocess.run,
        [
            str(BIN / "waymark"),
            "apply",
            str(ROOT / "examples" / "journeys"),
            "--api",
            api,
            "--token",
            token,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    print(result.stdout.strip() or result.stderr.strip(), flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=300, help="demo customers")
    parser.add_argument("--rate", type=float, default=20.0, help="demo events per second")
    parser.add_argument("--no-demo", action="store_true", help="start without demo traffic")
    parser.add_argument("--skip", action="append", default=[], help="a service not to start")
    args = parser.parse_args()
    ports = dict(DEFAULT_PORTS)
    for name in ports:
        override = os.environ.get(f"WAYMARK_RUN_{name.upper()}_PORT")
        if override:
            ports[name] = int(override)
    keys = local_secrets()
    base_env = dict(os.environ)
    base_env.setdefault("WAYMARK_KAFKA_PARTITIONS", "6")
    procs = [s for s in services(ports, keys) if s.name not in args.skip]
    scraper = prometheus(ports) if "prometheus" not in args.skip else None
    if scraper is not None:
        procs.append(scraper)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    traffic: asyncio.Task[None] | None = None
    try:
        await start_all(procs, base_env)
        api = f"http://127.0.0.1:{ports['api']}"
        await load_examples(api, keys["admin_token"])
        ingest = f"http://127.0.0.1:{ports['ingest']}"
        metric_ports = ", ".join(
            str(ports[n]) for n in ("api", "worker", "dispatch", "analytics", "ingest")
        )
        prometheus_line = (
            f"http://127.0.0.1:{ports['prometheus']}/ (scrapes them all; alert rules loaded)"
            if scraper is not None
            else "not installed (make observability-tools), so not started"
        )
        print(
            f"""
Waymark is running on the local stack.
  console            {api}/            (sign in with the admin token below)
  management API     {api}/docs
  trigger-ingest     {ingest}/docs      (HTTP Basic, write key as user name)
  analytics          http://127.0.0.1:{ports["analytics"]}/docs
  captured email     http://127.0.0.1:{ports["sink_http"]}/smtp/messages
  captured SMS/push  http://127.0.0.1:{ports["sink_http"]}/sms/messages, /push/messages
  metrics            /metrics on ports {metric_ports}
  Prometheus         {prometheus_line}
  logs               {LOCAL / "logs"}
  admin token        {keys["admin_token"]}
  viewer token       {keys["viewer_token"]}
  write key          {keys["write_key"]}
Ctrl-C stops everything this started.
""",
            flush=True,
        )
        if not args.no_demo:
            demo = DemoTraffic(
                ingest,
                keys["write_key"],
                customers=args.customers,
                rate=args.rate,
                webhook_secret=keys["webhook_secret"],
            )
            traffic = asyncio.create_task(demo.run(stop))
        await stop.wait()
    finally:
        if traffic is not None:
            traffic.cancel()
        print("stopping …", flush=True)
        stop_all(procs)
        print("stopped.", flush=True)


if __name__ == "__main__":
    asyncio.run(main())

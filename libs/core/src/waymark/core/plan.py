"""`waymark plan` and `waymark apply`: journey files compared with the server, then applied.

The comparison is by checksum of the normalized document (`definition_checksum` over the
document `journey_document` gives), which is what the management API stores, so formatting,
key order and defaults written out or left implicit never show as a change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
import typer

from waymark.core.contracts import definition_checksum
from waymark.core.errors import WaymarkError
from waymark.core.journeys import journey_document
from waymark.core.journeys.validation import check_journey

__all__ = [
    "Action",
    "ApiClient",
    "ApiRequestError",
    "LocalJourney",
    "RemoteJourney",
    "apply_command",
    "apply_plan",
    "plan_changes",
    "plan_command",
    "read_directory",
    "render_plan",
]

ActionKind = Literal["create", "activate", "new_version", "archive", "blocked", "unchanged"]
JOURNEY_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True, slots=True)
class LocalJourney:
    """A journey file: its normalized document and that document's checksum."""

    path: Path
    id: str
    document: dict[str, Any]
    checksum: str


@dataclass(frozen=True, slots=True)
class RemoteJourney:
    """A journey as the server lists it."""

    id: str
    status: str
    version: int | None
    checksum: str


@dataclass(frozen=True, slots=True)
class Action:
    """One step of a plan; `customers` is how many are inside the version being replaced."""

    kind: ActionKind
    journey_id: str
    local: LocalJourney | None = None
    remote: RemoteJourney | None = None
    customers: int | None = None
    detail: str = ""


class ApiRequestError(WaymarkError):
    """The API refused a request or could not be reached; the message says why."""


def read_directory(directory: Path) -> tuple[list[LocalJourney], list[str]]:
    """Every journey file directly in `directory`, and every problem as `file: path: reason`."""
    if not directory.is_dir():
        return [], [f"{directory}: not a directory"]
    journeys: list[LocalJourney] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in sorted(p for p in directory.iterdir() if p.suffix in JOURNEY_SUFFIXES):
        journey, found = check_journey(path)
        problems.extend(f"{path}: {problem}" for problem in found)
        if journey is None or found:
            continue
        if journey.id in seen:
            problems.append(
                f"{path}: journey id '{journey.id}' is also defined in {seen[journey.id]}"
            )
            continue
        seen[journey.id] = path
        document = journey_document(journey)
        journeys.append(LocalJourney(path, journey.id, document, definition_checksum(document)))
    return journeys, problems


def plan_changes(
    local: Sequence[LocalJourney], remote: Sequence[RemoteJourney], *, prune: bool = False
) -> list[Action]:
    """What `apply` would do to make the server run exactly the files (pure)."""
    on_server = {journey.id: journey for journey in remote}
    actions: list[Action] = []
    for file in local:
        server = on_server.get(file.id)
        if server is None:
            actions.append(Action("create", file.id, local=file))
        elif server.status == "archived":
            detail = (
                "archived on the server; an admin must delete it before it can be created again"
            )
            actions.append(Action("blocked", file.id, local=file, remote=server, detail=detail))
        elif server.status == "draft":
            detail = "" if server.checksum == file.checksum else "draft updated from the file"
            actions.append(Action("activate", file.id, local=file, remote=server, detail=detail))
        elif server.checksum == file.checksum:
            actions.append(Action("unchanged", file.id, local=file, remote=server))
        else:
            actions.append(Action("new_version", file.id, local=file, remote=server))
    if prune:
        in_files = {file.id for file in local}
        for server in remote:
            # Drafts never ran, and archived journeys are done: only live ones are archived.
            if server.id not in in_files and server.status in ("active", "paused"):
                detail = f"{server.status} on the server, not in the directory"
                actions.append(Action("archive", server.id, remote=server, detail=detail))
    return actions


_SYMBOL: Mapping[ActionKind, str] = {
    "create": "+ create     ",
    "activate": "> activate   ",
    "new_version": "~ new version",
    "archive": "- archive    ",
    "blocked": "! blocked    ",
    "unchanged": "= unchanged  ",
}


def _describe(action: Action) -> str:
    remote = action.remote
    if action.kind == "new_version" and remote is not None and remote.version is not None:
        old = remote.version
        inside = "unknown" if action.customers is None else str(action.customers)
        return f"v{old} -> v{old + 1}, customers inside v{old}: {inside}"
    if action.kind == "create" and action.local is not None:
        return f"from {action.local.path.name}"
    if action.kind == "unchanged" and remote is not None:
        return f"{remote.status}, v{remote.version}" if remote.version else remote.status
    return action.detail


def render_plan(actions: Sequence[Action]) -> str:
    """The plan for people: one line per journey, then a count per kind."""
    width = max((len(a.journey_id) for a in actions), default=0)
    lines = [
        f"  {_SYMBOL[a.kind]}  {a.journey_id:<{width}}  {_describe(a)}".rstrip() for a in actions
    ]
    counts = {kind: sum(1 for a in actions if a.kind == kind) for kind in _SYMBOL}
    if not any(counts[kind] for kind in _SYMBOL if kind != "unchanged"):
        lines.append(f"No changes. {counts['unchanged']} journeys unchanged.")
    else:
        lines.append(
            f"Plan: {counts['create']} to create, {counts['new_version']} new versions, "
            f"{counts['activate']} to activate, {counts['archive']} to archive, "
            f"{counts['unchanged']} unchanged, {counts['blocked']} blocked."
        )
    return "\n".join(lines) + "\n"


class ApiClient:
    """The few management API calls plan and apply make."""

    def __init__(self, base_url: str, token: str, *, transport: httpx.BaseTransport | None = None):
        """A client of the API at `base_url`, authenticating with `token`."""
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30.0,
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise ApiRequestError(f"cannot reach the API at {self._http.base_url}: {exc}") from exc
        if response.status_code >= 400:
            raise ApiRequestError(f"{method} {path}: {response.status_code} {_reasons(response)}")
        return response.json() if response.content else None

    def journeys(self) -> list[RemoteJourney]:
        """Every journey on the server."""
        listed = self._call("GET", "/v1/journeys")["journeys"]
        return [
            RemoteJourney(j["id"], j["status"], j.get("version"), j["checksum"]) for j in listed
        ]

    def customers_in(self, journey_id: str, version: int) -> int | None:
        """Customers inside one version, when the server knows."""
        found = self._call("GET", f"/v1/journeys/{journey_id}/versions/{version}")
        customers = found.get("customers")
        return customers if isinstance(customers, int) else None

    def create(self, document: Mapping[str, Any]) -> None:
        """Create a draft."""
        self._call("POST", "/v1/journeys", dict(document))

    def update(self, journey_id: str, document: Mapping[str, Any]) -> dict[str, Any]:
        """Edit a journey (a new version when it is live)."""
        result: dict[str, Any] = self._call("PUT", f"/v1/journeys/{journey_id}", dict(document))
        return result

    def transition(self, journey_id: str, verb: Literal["activate", "archive"]) -> None:
        """Activate or archive a journey."""
        self._call("POST", f"/v1/journeys/{journey_id}/{verb}")


def _reasons(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors", [])
        return "; ".join(
            f"{e['field']}: {e['reason']}" if e.get("field") else str(e["reason"]) for e in errors
        )
    except (ValueError, AttributeError, KeyError, TypeError):
        return response.text[:500]


def _with_counts(client: ApiClient, actions: Iterable[Action]) -> list[Action]:
    counted: list[Action] = []
    for action in actions:
        if action.kind == "new_version" and action.remote and action.remote.version:
            customers = client.customers_in(action.journey_id, action.remote.version)
            action = Action(
                action.kind,
                action.journey_id,
                action.local,
                action.remote,
                customers,
                action.detail,
            )
        counted.append(action)
    return counted


def apply_plan(client: ApiClient, actions: Sequence[Action]) -> list[str]:
    """Carry the plan out; every failure as `journey: reason` (the others still go ahead)."""
    failures: list[str] = []
    for action in actions:
        try:
            if action.kind == "create" and action.local is not None:
                client.create(action.local.document)
                client.transition(action.journey_id, "activate")
            elif action.kind == "activate" and action.local is not None:
                if action.detail:
                    client.update(action.journey_id, action.local.document)
                client.transition(action.journey_id, "activate")
            elif action.kind == "new_version" and action.local is not None:
                client.update(action.journey_id, action.local.document)
            elif action.kind == "archive":
                client.transition(action.journey_id, "archive")
            elif action.kind == "blocked":
                failures.append(f"{action.journey_id}: {action.detail}")
        except ApiRequestError as exc:
            failures.append(f"{action.journey_id}: {exc}")
    return failures


Directory = Annotated[
    Path,
    typer.Argument(
        help="a directory of journey files (YAML or JSON)", metavar="DIR", show_default=False
    ),
]
ApiUrl = Annotated[
    str, typer.Option("--api", envvar="WAYMARK_API_URL", help="base URL of the management API")
]
Token = Annotated[
    str,
    typer.Option("--token", envvar="WAYMARK_API_TOKEN", help="bearer token (editor role)"),
]
Prune = Annotated[
    bool, typer.Option("--prune", help="archive live journeys that have no file in DIR")
]


def _client(api: str, token: str) -> ApiClient:
    if not token:
        typer.echo("a token is needed: pass --token or set WAYMARK_API_TOKEN", err=True)
        raise typer.Exit(2)
    return ApiClient(api, token)


def _planned(directory: Path, client: ApiClient, prune: bool) -> list[Action]:
    local, problems = read_directory(directory)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)
    try:
        return _with_counts(client, plan_changes(local, client.journeys(), prune=prune))
    except ApiRequestError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


def plan_command(
    directory: Directory,
    api: ApiUrl = "http://127.0.0.1:8080",
    token: Token = "",
    prune: Prune = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the plan as JSON")] = False,
) -> None:
    """Compare the journey files in DIR with the server and print what apply would change."""
    client = _client(api, token)
    try:
        actions = _planned(directory, client, prune)
    finally:
        client.close()
    if as_json:
        rows = [
            {"action": a.kind, "journey_id": a.journey_id, "detail": _describe(a)} for a in actions
        ]
        typer.echo(json.dumps({"actions": rows}, indent=2))
    else:
        typer.echo(render_plan(actions), nl=False)
    if any(action.kind == "blocked" for action in actions):
        raise typer.Exit(1)


def apply_command(
    directory: Directory,
    api: ApiUrl = "http://127.0.0.1:8080",
    token: Token = "",
    prune: Prune = False,
) -> None:
    """Make the server run the journey files in DIR: create, activate, publish, archive."""
    client = _client(api, token)
    try:
        actions = _planned(directory, client, prune)
        typer.echo(render_plan(actions), nl=False)
        failures = apply_plan(client, actions)
    finally:
        client.close()
    for failure in failures:
        typer.echo(f"failed: {failure}", err=True)
    if failures:
        raise typer.Exit(1)
    changed = sum(1 for a in actions if a.kind not in ("unchanged", "blocked"))
    typer.echo(f"Applied: {changed} changes.")

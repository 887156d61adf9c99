"""The `waymark` command line: journeys as code, topics, and operations."""

from __future__ import annotations

from datetime import datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated

import typer
import yaml

from waymark.core.adapters.kafka.topics_cli import topics_app
from waymark.core.engine import InputError
from waymark.core.engine.inputs import parse_timestamp
from waymark.core.journeys.model import Category, Journey
from waymark.core.journeys.outline import outline
from waymark.core.journeys.validation import check_journey
from waymark.core.plan import apply_command, plan_command
from waymark.core.simulate import format_table, read_inputs, simulate

app = typer.Typer(
    name="waymark",
    help="Waymark: Kafka-native customer journey orchestration.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(topics_app, name="topics")
app.command("plan")(plan_command)
app.command("apply")(apply_command)


def _add_service_commands(root: typer.Typer) -> None:
    """Sub-commands services offer through the `waymark.cli` entry point group.

    Found at run time, so the core imports no service (the import contract forbids it).
    """
    for entry in entry_points(group="waymark.cli"):
        root.add_typer(entry.load(), name=entry.name)


_add_service_commands(app)

JourneyFiles = Annotated[
    list[Path], typer.Argument(help="journey files (YAML or JSON)", show_default=False)
]


def _templates(path: Path | None) -> dict[str, Category] | None:
    """Template id → category from a `templates:` list file (e.g. examples/templates.yaml)."""
    if path is None:
        return None
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = document.get("templates", []) if isinstance(document, dict) else []
    return {str(e["id"]): e["category"] for e in entries if isinstance(e, dict) and "id" in e}


def _load(files: list[Path], templates: dict[str, Category] | None = None) -> list[Journey] | None:
    """Every journey, or None after printing each problem as `file: path: sentence`."""
    journeys: list[Journey] = []
    failed = False
    for file in files:
        if not file.is_file():
            typer.echo(f"{file}: no such file", err=True)
            failed = True
            continue
        journey, problems = check_journey(file, templates)
        for problem in problems:
            typer.echo(f"{file}: {problem}", err=True)
        if journey is None or problems:
            failed = True
        else:
            journeys.append(journey)
    return None if failed else journeys


@app.command()
def validate(
    files: JourneyFiles,
    templates: Annotated[
        Path | None,
        typer.Option(
            "--templates",
            help="a file with a `templates:` list of {id, category}: also check template use",
            exists=True,
        ),
    ] = None,
) -> None:
    """Check journey files; exit 1 listing every problem with its path and reason."""
    if _load(files, _templates(templates)) is None:
        raise typer.Exit(1)
    for file in files:
        typer.echo(f"{file}: ok")


@app.command("simulate")
def simulate_command(
    files: JourneyFiles,
    events: Annotated[
        Path, typer.Option("--events", help="inputs as JSON Lines (JOURNEYS.md)", exists=True)
    ],
    until: Annotated[
        str | None,
        typer.Option(help="stop the virtual clock here (default: 90 days after the last input)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the JSON trace")] = False,
) -> None:
    """Run journeys together over recorded inputs on a virtual clock and print the trace."""
    journeys = _load(files)
    if journeys is None:
        raise typer.Exit(1)
    try:
        stop: datetime | None = parse_timestamp(until, "--until") if until else None
    except InputError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    try:
        inputs = read_inputs(events)
    except InputError as error:
        typer.echo(f"{events}: {error}", err=True)
        raise typer.Exit(1) from None
    result = simulate(journeys, inputs, until=stop)
    typer.echo(result.to_json() if as_json else format_table(result), nl=as_json)


@app.command()
def explain(
    file: Annotated[Path, typer.Argument(help="a journey file", show_default=False)],
) -> None:
    """Print a readable outline of a journey's trigger, policies, milestones and steps."""
    journeys = _load([file])
    if journeys is None:
        raise typer.Exit(1)
    typer.echo(outline(journeys[0]), nl=False)

"""`waymark-analytics`: serve the API and consume (the default), or `rebuild` the aggregates.

`rebuild` is also `waymark analytics rebuild`: the `waymark` command finds `plugin` through
the `waymark.cli` entry point group, so the core never imports this service.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer
import uvicorn

from waymark.analytics.bootstrap import build_service
from waymark.analytics.rebuild import RebuildError, RebuildReport, rebuild
from waymark.analytics.settings import AnalyticsSettings
from waymark.core.observability.logging import configure_logging
from waymark.core.settings import KafkaSettings, MongoSettings, SettingsError, load_settings

__all__ = ["cli", "main", "plugin"]

cli = typer.Typer(
    name="waymark-analytics",
    help="Waymark analytics: journey results, funnels, lift and customer traces.",
    add_completion=False,
)


def _settings() -> tuple[AnalyticsSettings, KafkaSettings, MongoSettings]:
    try:
        return (
            load_settings(AnalyticsSettings),
            load_settings(KafkaSettings),
            load_settings(MongoSettings),
        )
    except SettingsError as exc:
        typer.echo(f"waymark-analytics: {exc}", err=True)
        raise typer.Exit(2) from None


@cli.callback(invoke_without_command=True)
def default(ctx: typer.Context) -> None:
    """Without a command: serve."""
    if ctx.invoked_subcommand is None:
        serve()


@cli.command()
def serve() -> None:
    """Consume the topics into the aggregates and serve the API until SIGTERM."""
    settings, kafka, mongo = _settings()
    configure_logging("analytics", level=settings.log_level)
    service = build_service(settings=settings, kafka=kafka, mongo=mongo)
    uvicorn.run(
        service.app,
        host=settings.host,
        port=settings.port,
        # Logging is configured already (JSON, PII masked); uvicorn's loggers propagate to it.
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_timeout_seconds),
    )


def _print(report: RebuildReport) -> None:
    typer.echo(f"rebuilt into database {report.database}")
    typer.echo(f"  journey versions  {report.journey_versions}")
    for topic, count in sorted(report.records.items()):
        typer.echo(f"  read {count:>10}  {topic}")
    for name, count in sorted(report.new.items()):
        typer.echo(f"  wrote {count:>9}  {name}")
    typer.echo(
        f"  duplicates ignored {report.duplicates}, undecodable skipped {report.undecodable}"
    )


@cli.command("rebuild")
def rebuild_command(
    database: Annotated[
        str, typer.Option(help="the fresh database to fill (it must hold no aggregates)")
    ],
    drop: Annotated[
        bool, typer.Option(help="drop the aggregates the database holds before rebuilding")
    ] = False,
) -> None:
    """Recompute every aggregate from the earliest offsets of the topics into `--database`."""
    settings, kafka, mongo = _settings()
    configure_logging("analytics-rebuild", level=settings.log_level)
    try:
        report = asyncio.run(rebuild(kafka=kafka, mongo=mongo, database=database, drop=drop))
    except RebuildError as exc:
        typer.echo(f"waymark-analytics rebuild: {exc}", err=True)
        raise typer.Exit(1) from None
    _print(report)


plugin = typer.Typer(help="Analytics: rebuild every aggregate from the topics.")
"""The `waymark analytics …` commands (entry point `waymark.cli: analytics`)."""
plugin.command("rebuild")(rebuild_command)


def main() -> None:
    """The console script `waymark-analytics`."""
    cli(args=sys.argv[1:], prog_name="waymark-analytics")


if __name__ == "__main__":
    main()

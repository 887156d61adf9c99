"""`waymark topics …`: create and check every Waymark topic."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from aiokafka.admin import AIOKafkaAdminClient

from waymark.core.adapters.kafka.topics import EnsureReport, ensure_topics, topic_specs
from waymark.core.settings import KafkaSettings, SettingsError, load_settings

topics_app = typer.Typer(help="Create and check Waymark's Kafka topics.", no_args_is_help=True)


async def _ensure(settings: KafkaSettings) -> EnsureReport:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap, client_id=f"{settings.client_id}-topics"
    )
    await admin.start()
    try:
        specs = topic_specs(settings.topic_prefix, settings.partitions, settings.replication_factor)
        return await ensure_topics(admin, specs)
    finally:
        await admin.close()


@topics_app.command("ensure")
def ensure(
    bootstrap: Annotated[
        str | None, typer.Option(help="Kafka bootstrap servers (default: WAYMARK_KAFKA_BOOTSTRAP)")
    ] = None,
    prefix: Annotated[str | None, typer.Option(help="topic name prefix")] = None,
    partitions: Annotated[int | None, typer.Option(help="partitions of keyed topics")] = None,
) -> None:
    """Create every topic idempotently; exit 1 if an existing topic differs from its spec."""
    overrides: dict[str, object] = {}
    if bootstrap is not None:
        overrides["bootstrap"] = bootstrap
    if prefix is not None:
        overrides["topic_prefix"] = prefix
    if partitions is not None:
        overrides["partitions"] = partitions
    try:
        settings = load_settings(KafkaSettings, **overrides)
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    report = asyncio.run(_ensure(settings))
    for name in report.created:
        typer.echo(f"created    {name}")
    for name in report.unchanged:
        typer.echo(f"unchanged  {name}")
    for mismatch in report.mismatches:
        typer.echo(f"MISMATCH   {mismatch}", err=True)
    if not report.ok:
        typer.echo(
            "some topics differ from their spec; Waymark does not change them for you", err=True
        )
        raise typer.Exit(1)

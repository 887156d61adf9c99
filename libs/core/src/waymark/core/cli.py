"""The `waymark` command line: journeys as code, topics, and operations."""

from __future__ import annotations

import typer

from waymark.core.adapters.kafka.topics_cli import topics_app

app = typer.Typer(
    name="waymark",
    help="Waymark: Kafka-native customer journey orchestration.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(topics_app, name="topics")

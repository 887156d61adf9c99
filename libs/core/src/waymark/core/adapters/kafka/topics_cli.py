"""`waymark topics …`: create and check every Waymark topic."""

from __future__ import annotations

import typer

topics_app = typer.Typer(help="Create and check Waymark's Kafka topics.", no_args_is_help=True)

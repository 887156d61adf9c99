"""The console: static HTML, CSS and JavaScript served by the API at `/`."""

from __future__ import annotations

from pathlib import Path

__all__ = ["STATIC_DIR"]

STATIC_DIR = Path(__file__).parent / "static"
"""The folder the API mounts at `/`."""

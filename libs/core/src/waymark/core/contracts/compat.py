"""The compatibility gate: every schema must stay compatible with its last released version.

`python -m waymark.core.contracts.compat` compares `schemas/*.avsc` with `schemas/released/`
(BACKWARD unless `--level` says otherwise) and exits 1 naming each schema and what broke.
`--release` then records the current schemas as the released ones.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from waymark.core.contracts.catalog import SchemaFileError, load_schema_dir, schemas_dir
from waymark.core.contracts.compatibility import DEFAULT_LEVEL, LEVELS, compatibility_problems

__all__ = ["gate", "main", "release"]


def gate(current_dir: Path, released_dir: Path, level: str = DEFAULT_LEVEL) -> list[str]:
    """The gate's findings, one line per broken schema rule; empty when the gate passes."""
    current = {f.path.name: f for f in load_schema_dir(current_dir)}
    released = (
        {f.path.name: f for f in load_schema_dir(released_dir)} if released_dir.is_dir() else {}
    )
    problems: list[str] = []
    for file_name in sorted(released.keys() - current.keys()):
        problems.append(f"{file_name}: {released[file_name].name} was released but is gone")
    for file_name, schema_file in sorted(current.items()):
        old = released.get(file_name)
        if old is None:
            continue
        for problem in compatibility_problems(schema_file.text, [old.text], level):
            problems.append(f"{file_name}: {schema_file.name} is not {level} compatible: {problem}")
    return problems


def release(current_dir: Path, released_dir: Path) -> list[Path]:
    """Copy every current schema into the released directory; returns the files written."""
    released_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for schema_file in load_schema_dir(current_dir):
        target = released_dir / schema_file.path.name
        shutil.copyfile(schema_file.path, target)
        written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Run the gate (and optionally record a release); returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m waymark.core.contracts.compat")
    parser.add_argument("--schemas", type=Path, default=None, help="current schema directory")
    parser.add_argument("--released", type=Path, default=None, help="released schema directory")
    parser.add_argument("--level", choices=LEVELS, default=DEFAULT_LEVEL)
    parser.add_argument("--release", action="store_true", help="then copy current to released")
    args = parser.parse_args(argv)
    current_dir: Path = args.schemas or schemas_dir()
    released_dir: Path = args.released or current_dir / "released"
    try:
        problems = gate(current_dir, released_dir, args.level)
    except SchemaFileError as exc:
        print(f"compat: {exc}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"compat: {problem}", file=sys.stderr)
    if problems:
        return 1
    unreleased = sorted(
        p.name for p in current_dir.glob("*.avsc") if not (released_dir / p.name).exists()
    )
    for name in unreleased:
        print(f"compat: {name} has no released version yet")
    if args.release:
        written = release(current_dir, released_dir)
        print(f"released {len(written)} schemas into {released_dir}")
    else:
        print(f"schemas are {args.level} compatible with {released_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

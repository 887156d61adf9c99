"""The pure part of `waymark plan`: files against the server's journeys, by checksum."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from waymark.core.contracts import definition_checksum
from waymark.core.plan import (
    Action,
    LocalJourney,
    RemoteJourney,
    plan_changes,
    read_directory,
    render_plan,
)

JOURNEY = """
id: {id}
name: Journey {id}
trigger: {{event: signed_up}}
milestones:
  - id: m
    steps:
      - id: hello
        send: {{channel: email, template: welcome}}
"""


def _local(journey_id: str, checksum: str) -> LocalJourney:
    return LocalJourney(Path(f"{journey_id}.yaml"), journey_id, {"id": journey_id}, checksum)


def _kinds(actions: list[Action]) -> list[tuple[str, str]]:
    return [(a.kind, a.journey_id) for a in actions]


def test_each_server_state_gets_its_action() -> None:
    local = [
        _local("new-one", "c1"),
        _local("same", "c2"),
        _local("edited", "c3"),
        _local("drafted", "c4"),
        _local("paused-same", "c5"),
        _local("retired", "c6"),
    ]
    remote = [
        RemoteJourney("same", "active", 2, "c2"),
        RemoteJourney("edited", "active", 1, "old"),
        RemoteJourney("drafted", "draft", None, "c4"),
        RemoteJourney("paused-same", "paused", 1, "c5"),
        RemoteJourney("retired", "archived", 3, "c6"),
        RemoteJourney("gone-live", "active", 1, "x"),
        RemoteJourney("gone-draft", "draft", None, "y"),
    ]
    assert _kinds(plan_changes(local, remote)) == [
        ("create", "new-one"),
        ("unchanged", "same"),
        ("new_version", "edited"),
        ("activate", "drafted"),
        ("unchanged", "paused-same"),
        ("blocked", "retired"),
    ]
    pruned = plan_changes(local, remote, prune=True)
    # Only live journeys are archived; a draft without a file is left alone.
    assert _kinds(pruned)[-1] == ("archive", "gone-live")
    assert ("archive", "gone-draft") not in _kinds(pruned)


def test_draft_differing_from_its_file_is_updated_before_activation() -> None:
    [action] = plan_changes([_local("d", "new")], [RemoteJourney("d", "draft", None, "old")])
    assert (action.kind, action.detail) == ("activate", "draft updated from the file")


def test_render_counts_and_says_when_nothing_changes() -> None:
    unchanged = plan_changes([_local("s", "c")], [RemoteJourney("s", "active", 4, "c")])
    assert render_plan(unchanged).splitlines() == [
        "  = unchanged    s  active, v4",
        "No changes. 1 journeys unchanged.",
    ]
    edited = [Action("new_version", "e", remote=RemoteJourney("e", "active", 2, "x"), customers=7)]
    assert render_plan(edited).splitlines()[0] == (
        "  ~ new version  e  v2 -> v3, customers inside v2: 7"
    )


def test_read_directory_normalizes_and_checksums_like_the_server(tmp_path: Path) -> None:
    yaml_dir, json_dir = tmp_path / "yaml", tmp_path / "json"
    yaml_dir.mkdir()
    json_dir.mkdir()
    (yaml_dir / "a.yaml").write_text(JOURNEY.format(id="journey-a"))
    (yaml_dir / "notes.txt").write_text("not a journey file: ignored")
    # The same journey as JSON, keys reordered and a default spelled out: the same checksum.
    document = yaml.safe_load(JOURNEY.format(id="journey-a"))
    document = {"reentry": {"mode": "never"}, **dict(reversed(list(document.items())))}
    (json_dir / "a.json").write_text(json.dumps(document))
    from_yaml, problems = read_directory(yaml_dir)
    assert problems == []
    from_json, problems = read_directory(json_dir)
    assert problems == []
    assert [j.id for j in from_yaml] == ["journey-a"]
    assert from_yaml[0].checksum == from_json[0].checksum
    assert from_yaml[0].checksum == definition_checksum(from_yaml[0].document)


def test_two_files_with_one_id_are_a_problem(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(JOURNEY.format(id="journey-a"))
    (tmp_path / "b.yml").write_text(JOURNEY.format(id="journey-a"))
    journeys, problems = read_directory(tmp_path)
    assert [j.path.name for j in journeys] == ["a.yaml"]
    assert problems == [
        f"{tmp_path / 'b.yml'}: journey id 'journey-a' is also defined in {tmp_path / 'a.yaml'}"
    ]


def test_read_directory_reports_problems_with_file_and_path(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(JOURNEY.format(id="x"))
    journeys, problems = read_directory(tmp_path)
    assert journeys == []
    assert problems[0].startswith(f"{tmp_path / 'bad.yaml'}: id:")

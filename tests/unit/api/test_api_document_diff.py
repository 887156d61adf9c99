"""The structured diff of two journey documents: ids match list items, paths name the change."""

from __future__ import annotations

from waymark.journey_engine.api.docdiff import diff_documents


def _doc(*steps: dict[str, object], name: str = "J") -> dict[str, object]:
    return {"id": "j-1", "name": name, "milestones": [{"id": "m", "steps": list(steps)}]}


def test_equal_documents_have_an_empty_diff() -> None:
    doc = _doc({"id": "a", "send": {"channel": "email", "template": "t"}})
    assert diff_documents(doc, doc).empty


def test_inserted_step_is_one_addition_not_a_cascade_of_changes() -> None:
    a = {"id": "a", "wait": {"duration": "P1D"}}
    b = {"id": "b", "exit": {}}
    new = {"id": "new", "wait": {"duration": "PT1H"}}
    diff = diff_documents(_doc(a, b), _doc(a, new, b))
    assert diff.added == [{"path": "milestones[0].steps[1]", "value": new}]
    assert diff.removed == []
    assert diff.changed == []


def test_changed_scalar_and_keys_with_dots() -> None:
    old = _doc({"id": "u", "update": {"set": {"profile.a": 1}}}, name="Old")
    new = _doc({"id": "u", "update": {"set": {"profile.a": 1.0, "profile.b.c": "x"}}}, name="New")
    diff = diff_documents(old, new)
    assert {"path": "name", "from": "Old", "to": "New"} in diff.changed
    # 1 and 1.0 are different documents, even though they compare equal in Python.
    assert {"path": "milestones[0].steps[0].update.set['profile.a']", "from": 1, "to": 1.0} in (
        diff.changed
    )
    assert diff.added == [
        {"path": "milestones[0].steps[0].update.set['profile.b.c']", "value": "x"}
    ]


def test_removed_and_reordered_steps() -> None:
    a, b, c = ({"id": x, "exit": {}} for x in "abc")
    diff = diff_documents(_doc(a, b, c), _doc(c, a))
    assert diff.removed == [{"path": "milestones[0].steps[1]", "value": b}]
    assert {"path": "milestones[0].steps", "from": ["a", "c"], "to": ["c", "a"]} in diff.changed


def test_lists_without_ids_compare_by_position() -> None:
    old = {"trigger": {"event": "e", "where": {"all": [{"attr": "x", "eq": 1}]}}}
    new = {"trigger": {"event": "e", "where": {"all": [{"attr": "x", "eq": 2}, {"not": {}}]}}}
    diff = diff_documents(old, new)
    assert diff.changed == [{"path": "trigger.where.all[0].eq", "from": 1, "to": 2}]
    assert diff.added == [{"path": "trigger.where.all[1]", "value": {"not": {}}}]

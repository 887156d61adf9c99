"""A structured diff of two journey documents: added, removed and changed paths.

Lists of mappings with unique `id`s (milestones, steps) are matched by id, not by position,
so inserting a step shows as one added step rather than every later step changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from waymark.core.journeys.validation import format_path

__all__ = ["DocumentDiff", "diff_documents"]

Path = tuple[int | str, ...]


@dataclass
class DocumentDiff:
    """Paths present only in the new document, only in the old one, or different in both."""

    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when the documents are equal."""
        return not (self.added or self.removed or self.changed)


def _ids(items: Sequence[Any]) -> list[str] | None:
    if not items or not all(isinstance(i, Mapping) and isinstance(i.get("id"), str) for i in items):
        return None
    ids = [str(item["id"]) for item in items]
    return ids if len(set(ids)) == len(ids) else None


def _walk(old: Any, new: Any, old_path: Path, new_path: Path, out: DocumentDiff) -> None:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in old:
            if key not in new:
                out.removed.append({"path": format_path((*old_path, key)), "value": old[key]})
        for key in new:
            if key not in old:
                out.added.append({"path": format_path((*new_path, key)), "value": new[key]})
            else:
                _walk(old[key], new[key], (*old_path, key), (*new_path, key), out)
        return
    if isinstance(old, list) and isinstance(new, list):
        old_ids, new_ids = _ids(old), _ids(new)
        if old_ids is not None and new_ids is not None:
            _walk_by_id(old, new, old_ids, new_ids, old_path, new_path, out)
            return
        for index in range(max(len(old), len(new))):
            if index >= len(new):
                out.removed.append({"path": format_path((*old_path, index)), "value": old[index]})
            elif index >= len(old):
                out.added.append({"path": format_path((*new_path, index)), "value": new[index]})
            else:
                _walk(old[index], new[index], (*old_path, index), (*new_path, index), out)
        return
    # 1 and 1.0 are equal numbers but different documents; bools are not numbers here.
    if type(old) is not type(new) or old != new:
        out.changed.append({"path": format_path(new_path), "from": old, "to": new})


def _walk_by_id(
    old: list[Any],
    new: list[Any],
    old_ids: list[str],
    new_ids: list[str],
    old_path: Path,
    new_path: Path,
    out: DocumentDiff,
) -> None:
    new_at = {item_id: index for index, item_id in enumerate(new_ids)}
    old_at = {item_id: index for index, item_id in enumerate(old_ids)}
    for index, item_id in enumerate(old_ids):
        if item_id not in new_at:
            out.removed.append({"path": format_path((*old_path, index)), "value": old[index]})
    for index, item_id in enumerate(new_ids):
        if item_id not in old_at:
            out.added.append({"path": format_path((*new_path, index)), "value": new[index]})
        else:
            before = old_at[item_id]
            _walk(old[before], new[index], (*old_path, before), (*new_path, index), out)
    kept_old = [i for i in old_ids if i in new_at]
    kept_new = [i for i in new_ids if i in old_at]
    if kept_old != kept_new:
        out.changed.append({"path": format_path(new_path), "from": kept_old, "to": kept_new})


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> DocumentDiff:
    """What changed from `old` to `new`; paths are those of the document they are found in."""
    out = DocumentDiff()
    _walk(old, new, (), (), out)
    return out

"""The worker's local store keeps states and changelog offsets across a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from waymark.journey_engine.worker.store import MemoryStore, RocksStore, open_store


def test_rocksdb_store_keeps_states_and_offsets_when_reopened(tmp_path: Path) -> None:
    store = RocksStore(tmp_path / "customers")
    store.write({b"c-1": b"state one", b"c-2": b"state two"}, {0: 41, 3: 7})
    store.write({b"c-1": b"state one, later"}, {0: 42})
    store.close()

    reopened = RocksStore(tmp_path / "customers")
    try:
        assert reopened.get(b"c-1") == b"state one, later"
        assert reopened.get(b"c-3") is None
        assert reopened.offset(0) == 42
        assert reopened.offset(3) == 7
        assert reopened.offset(1) is None
        # Offsets live apart from the states: iterating yields customers only.
        assert dict(reopened.items()) == {b"c-1": b"state one, later", b"c-2": b"state two"}
    finally:
        reopened.close()


def test_memory_store_starts_empty_every_time(tmp_path: Path) -> None:
    store = open_store("memory://", tmp_path, "customers")
    assert isinstance(store, MemoryStore)
    store.write({b"c-1": b"x"}, {0: 1})
    assert store.get(b"c-1") == b"x"
    assert store.offset(0) == 1
    assert open_store("memory://", tmp_path, "customers").offset(0) is None


def test_an_unknown_store_url_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="redis://"):
        open_store("redis://", tmp_path, "customers")

"""Offsets commit only up to the last record of an unbroken finished run, in any finish order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from waymark.channel_dispatch.offsets import PartitionProgress
from waymark.core.contracts import DispatchOutcome


def outcome(n: int) -> DispatchOutcome:
    return DispatchOutcome(
        outcome_id=f"o{n}",
        command_id=f"c{n}",
        customer_id="c",
        channel="email",
        status="sent",
        provider="smtp",
        at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_a_slow_first_record_holds_back_the_commit() -> None:
    progress = PartitionProgress()
    for offset in (10, 11, 12):
        progress.add(offset)
    progress.finish(11, outcome(11))
    progress.finish(12, outcome(12))
    assert progress.ready() is None
    progress.finish(10, None)
    ready = progress.ready()
    assert ready is not None
    assert ready.commit_offset == 13
    assert [o.outcome_id for o in ready.outcomes] == ["o11", "o12"]


def test_release_forgets_only_what_was_committed() -> None:
    progress = PartitionProgress()
    progress.add(0)
    progress.finish(0, outcome(0))
    first = progress.ready()
    assert first is not None
    progress.add(1)
    progress.finish(1, outcome(1))
    progress.release(first.count)
    second = progress.ready()
    assert second is not None
    assert (second.commit_offset, [o.outcome_id for o in second.outcomes]) == (2, ["o1"])
    assert len(progress) == 1


def test_a_record_cannot_finish_twice_or_arrive_out_of_order() -> None:
    progress = PartitionProgress()
    progress.add(5)
    progress.finish(5, None)
    with pytest.raises(ValueError, match="twice"):
        progress.finish(5, None)
    with pytest.raises(ValueError, match="not after"):
        progress.add(4)


@given(st.permutations(list(range(12))), st.integers(min_value=0, max_value=12))
def test_commit_never_passes_an_unfinished_record(order: list[int], done: int) -> None:
    progress = PartitionProgress()
    for offset in range(12):
        progress.add(offset)
    for offset in order[:done]:
        progress.finish(offset, outcome(offset))
    finished = set(order[:done])
    first_unfinished = next((o for o in range(12) if o not in finished), 12)
    ready = progress.ready()
    if first_unfinished == 0:
        assert ready is None
    else:
        assert ready is not None
        assert ready.commit_offset == first_unfinished
        assert [o.outcome_id for o in ready.outcomes] == [f"o{o}" for o in range(first_unfinished)]

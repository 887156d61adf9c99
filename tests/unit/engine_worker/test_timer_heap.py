"""The timer heap fires each live timer once, with what was prepared for it when indexed."""

from __future__ import annotations

from waymark.journey_engine.worker.timers import DueTimer, TimerHeap


def _timer(key: str, due: float, generation: int = 1) -> DueTimer:
    return DueTimer(due, f"c-{key}", f"j/{key}/{generation}", "j", key, generation)


def test_due_timers_come_out_in_order_with_their_prepared_payload() -> None:
    prepared: list[str] = []

    def prepare(timer: DueTimer) -> str:
        prepared.append(timer.timer_id)
        return f"tick:{timer.timer_id}"

    heap = TimerHeap(prepare)
    heap.rebuild([_timer("b", 20.0), _timer("a", 10.0)])
    heap.add(_timer("c", 30.0))
    assert sorted(prepared) == ["j/a/1", "j/b/1", "j/c/1"]

    due = heap.pop_due_prepared(25.0)
    assert [(t.timer_id, payload) for t, payload in due] == [
        ("j/a/1", "tick:j/a/1"),
        ("j/b/1", "tick:j/b/1"),
    ]
    assert heap.pop_due_prepared(25.0) == []  # fired once
    assert len(heap) == 1


def test_a_replaced_timer_fires_once_at_its_new_time() -> None:
    heap = TimerHeap(lambda timer: timer.due_at)
    heap.add(_timer("a", 10.0))
    heap.add(_timer("a", 50.0))  # the same wait rescheduled: same id, later time
    assert heap.pop_due_prepared(20.0) == []
    ((timer, payload),) = heap.pop_due_prepared(60.0)
    assert timer.due_at == 50.0
    assert payload == 50.0
    assert heap.pop_due(100.0) == []

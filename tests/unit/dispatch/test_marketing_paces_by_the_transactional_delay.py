"""Marketing yields to transactional sends of other processes: the transactional lane's delay
above what its sends take while marketing is quiet, and the marketing pace that follows it."""

from __future__ import annotations

import asyncio

import pytest

from waymark.channel_dispatch.pressure import DelayMeter, Pace


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _sends(meter: DelayMeter, latency_s: float, count: int = 32) -> None:
    for n in range(count):
        meter.started(f"c{n}", 0.0)
        meter.finished(f"c{n}", latency_s)


def test_the_floor_is_learned_while_marketing_is_quiet_and_kept_while_it_sends() -> None:
    meter = DelayMeter(interval_s=0.25, settle=2)
    for _ in range(6):
        _sends(meter, 0.010)
        meter.take(marketing_quiet=True)
    assert meter.floor == pytest.approx(0.010)
    # Marketing sends and transactional sends slow down: the floor does not follow them.
    for _ in range(50):
        _sends(meter, 0.020)
        delay = meter.take(marketing_quiet=False)
    assert meter.floor == pytest.approx(0.010)
    assert delay == pytest.approx(1.0)


def test_a_measure_taken_right_after_marketing_stopped_is_not_a_floor() -> None:
    meter = DelayMeter(interval_s=0.25, settle=3)
    _sends(meter, 0.010)
    meter.take(marketing_quiet=True)
    # Marketing stops, but the last sends are still the ones it delayed.
    for _ in range(2):
        _sends(meter, 0.030)
        meter.take(marketing_quiet=True)
    assert meter.floor == pytest.approx(0.010)


def test_no_send_means_no_report_unless_one_is_stuck() -> None:
    clock = Clock()
    meter = DelayMeter(interval_s=0.25, clock=clock)
    assert meter.take(marketing_quiet=True) is None
    _sends(meter, 0.010)
    assert meter.take(marketing_quiet=True) == 0.0
    assert meter.take(marketing_quiet=True) is None
    meter.started("stuck", clock.now)
    clock.now += 0.1
    assert meter.take(marketing_quiet=True) is None
    clock.now += 0.9
    assert meter.take(marketing_quiet=True) == pytest.approx((1.0 - 0.010) / 0.010)
    meter.finished("stuck", None)
    assert meter.take(marketing_quiet=True) is None


def test_the_pace_cuts_above_the_target_and_climbs_back_below_half_of_it() -> None:
    clock = Clock()
    pace = Pace(target=0.2, min_rate=20, clock=clock)
    # Marketing drains at 2,000/s when the first transactional report comes.
    pace.rate = None
    pace._admitted = 500
    clock.now += 0.25
    pace.follow(0.5)
    assert pace.rate == pytest.approx(2000 * 0.75)
    for _ in range(40):
        pace._admitted = int(pace.rate * 0.25)
        clock.now += 0.25
        pace.follow(0.5)
    assert pace.rate == 20, "the pace never goes below min_rate"
    # Between half the target and the target: held.
    pace._admitted = 5
    clock.now += 0.25
    pace.follow(0.15)
    assert pace.rate == 20
    for _ in range(10):
        pace._admitted = int(pace.rate * 0.25)
        clock.now += 0.25
        pace.follow(0.05)
    assert 20 < pace.rate < 20 * 1.04**10


def test_marketing_runs_unpaced_once_transactional_lanes_are_quiet() -> None:
    clock = Clock()
    pace = Pace(target=0.2, min_rate=20, quiet_s=5, clock=clock)
    assert pace.rate == 20, "a process starts paced until it knows"
    for _ in range(19):
        clock.now += 0.25
        pace.follow(None)
    assert pace.rate is not None
    clock.now += 0.25
    pace.follow(None)
    assert pace.rate is None
    # A report again: paced from what marketing does now.
    pace._admitted = 100
    clock.now += 0.25
    pace.follow(0.0)
    assert pace.rate == pytest.approx(min(400 * 1.03, 800))


def test_the_pace_never_runs_far_ahead_of_what_marketing_does() -> None:
    clock = Clock()
    pace = Pace(target=0.2, min_rate=20, clock=clock)
    for _ in range(200):
        clock.now += 0.25
        pace.follow(0.0)
    assert pace.rate == 40, "idle marketing: ready to bite at twice the least it does"


async def test_admissions_keep_to_the_pace() -> None:
    pace = Pace(target=0.2, min_rate=200)
    loop = asyncio.get_running_loop()
    began = loop.time()
    for _ in range(60):
        await pace.admit()
    # 60 sends at 200/s take at least (60 - burst) / 200 s.
    assert loop.time() - began >= (60 - 10) / 200

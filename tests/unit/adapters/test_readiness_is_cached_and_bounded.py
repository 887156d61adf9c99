"""Dependency checks: each probe bounded by its budget, a round shared and reused for its TTL,
and the verdict naming every check with the reason it is not ok.

The probes here are fakes: counting how often a real server is asked, or a real probe that
ignores its budget, cannot be arranged; the integration tests of dispatch and analytics probe
real servers through a relay."""

from __future__ import annotations

import asyncio

from waymark.core.adapters.readiness import OK, DependencyChecks, Readiness, UnreachableError


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeDependency:
    """A fake dependency: answers, refuses with a reason, or never answers."""

    def __init__(self) -> None:
        self.state = "up"
        self.asked = 0

    async def probe(self, timeout_s: float) -> None:
        self.asked += 1
        if self.state == "down":
            raise UnreachableError("connection refused")
        if self.state == "hung":
            await asyncio.sleep(3600)  # ignores its budget: the checks must bound it


async def test_every_check_named_and_503_until_all_are_ok_faked() -> None:
    kafka, mongo = FakeDependency(), FakeDependency()
    clock = Clock()
    checks = DependencyChecks({"kafka": kafka.probe, "mongo": mongo.probe}, clock=clock)
    kafka.state = "down"

    verdict = await checks.check()

    assert verdict.status == 503
    assert verdict.body() == {
        "ready": False,
        "checks": {"kafka": "unreachable: connection refused", "mongo": OK},
    }
    kafka.state = "up"
    clock.now += 2
    assert (await checks.check()).body() == {"ready": True, "checks": {"kafka": OK, "mongo": OK}}


async def test_a_verdict_is_reused_within_its_ttl_and_shared_by_concurrent_askers_faked() -> None:
    mongo = FakeDependency()
    clock = Clock()
    checks = DependencyChecks({"mongo": mongo.probe}, ttl_s=1.5, clock=clock)

    verdicts = await asyncio.gather(*(checks.check() for _ in range(20)))
    assert mongo.asked == 1
    assert all(v.ready for v in verdicts)

    mongo.state = "down"
    clock.now += 1.0
    assert (await checks.check()).ready, "asked again before the TTL ran out"
    assert mongo.asked == 1
    clock.now += 0.5
    assert not (await checks.check()).ready
    assert mongo.asked == 2


async def test_a_fake_probe_ignoring_its_budget_is_cut_off() -> None:
    hung = FakeDependency()
    hung.state = "hung"
    checks = DependencyChecks({"kafka": hung.probe}, timeout_s=0.05)

    verdict = await asyncio.wait_for(checks.check(), timeout=5)

    assert verdict.checks == {"kafka": "unreachable: no answer within 0.05 s"}


def test_the_service_s_own_state_joins_the_checks() -> None:
    verdict = Readiness({"kafka": OK}).with_checks({"lanes": "starting"})
    assert verdict.body() == {"ready": False, "checks": {"kafka": OK, "lanes": "starting"}}
    assert Readiness({"kafka": OK}).with_checks({"lanes": OK}).status == 200

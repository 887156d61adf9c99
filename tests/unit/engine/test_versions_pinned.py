"""A new version serves new entries; customers inside keep the version they entered."""

from __future__ import annotations

from engine.driver import T0, Engine, build, days, journey_doc


def _steps(template: str) -> list[dict[str, object]]:
    return [
        {"id": "pause", "wait": {"duration": "P1D"}},
        {"id": "hello", "send": {"channel": "email", "template": template}},
    ]


def test_instances_keep_their_version_and_newcomers_get_the_latest() -> None:
    eng = Engine(journey_doc(_steps("v1-template")))
    for customer in ("old", "new"):
        eng.identify(T0, customer=customer, email=f"{customer}@example.com")
        eng.consent("email", T0, customer=customer)
    eng.track("start", T0, customer="old")

    published = eng.catalog.publish(build(journey_doc(_steps("v2-template"))))
    assert published.version == 2
    eng.track("start", T0 + days(0.5), customer="new")
    eng.advance(T0 + days(3))

    by_customer = {c.customer_id: (c.template, c.journey_version) for c in eng.commands}
    assert by_customer == {"old": ("v1-template", 1), "new": ("v2-template", 2)}


def test_a_removed_version_ends_the_instance_with_a_reason() -> None:
    eng = Engine(journey_doc(_steps("v1")))
    eng.track("start", T0)
    record = eng.catalog.record("test-journey")
    assert record is not None
    eng.catalog.publish(build(journey_doc(_steps("v2"))))
    del record.versions[1]
    eng.advance(T0 + days(2))
    assert eng.trace()[-1] == ("exited", None, "journey_unavailable")

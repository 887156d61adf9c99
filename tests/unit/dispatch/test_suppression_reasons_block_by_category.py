"""Hard bounces, complaints and dead addresses block every send; an unsubscribe only marketing.
Addresses are keyed by a digest of their normalised form."""

from __future__ import annotations

from waymark.channel_dispatch.suppression import blocks, suppression_key


def test_unsubscribe_blocks_marketing_only() -> None:
    assert blocks("unsubscribe", "marketing")
    assert not blocks("unsubscribe", "transactional")


def test_bounces_complaints_and_dead_addresses_block_everything() -> None:
    for reason in ("hard_bounce", "complaint", "invalid_number", "invalid_token"):
        assert blocks(reason, "marketing")
        assert blocks(reason, "transactional")


def test_keys_normalise_addresses_and_hide_them() -> None:
    assert suppression_key("email", " Ann@Example.COM ") == suppression_key(
        "email", "ann@example.com"
    )
    assert suppression_key("sms", "+1 (555) 000-1234") == suppression_key("sms", "+15550001234")
    assert suppression_key("email", "a@example.com") != suppression_key("sms", "a@example.com")
    assert "example" not in suppression_key("email", "ann@example.com")

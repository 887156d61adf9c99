"""Write keys and webhook secrets come from the environment as JSON; bad ones fail at start."""

from __future__ import annotations

import pytest

from waymark.core.settings import KafkaSettings, SettingsError, load_settings
from waymark.trigger_ingest.bootstrap import bootstrap
from waymark.trigger_ingest.settings import IngestSettings


def test_keys_and_secrets_are_read_from_json_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYMARK_INGEST_WRITE_KEYS", '{"web": "k-web", "crm": "k-crm"}')
    monkeypatch.setenv("WAYMARK_INGEST_WEBHOOK_SECRETS", '{"email": "s1", "sms": ["s2", "s3"]}')
    monkeypatch.setenv("WAYMARK_INGEST_MAX_BATCH_EVENTS", "50")
    settings = load_settings(IngestSettings)
    assert {k: v.get_secret_value() for k, v in settings.write_keys.items()} == {
        "web": "k-web",
        "crm": "k-crm",
    }
    assert {p: [s.get_secret_value() for s in v] for p, v in settings.webhook_secrets.items()} == {
        "email": ["s1"],
        "sms": ["s2", "s3"],
    }
    assert settings.max_batch_events == 50
    # Secrets never show in a repr (and so never in a log line).
    assert "k-web" not in repr(settings)


def test_a_blank_write_key_fails_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYMARK_INGEST_WRITE_KEYS", '{"web": " "}')
    with pytest.raises(SettingsError, match="WAYMARK_INGEST_WRITE_KEYS"):
        load_settings(IngestSettings)


def test_a_secret_for_an_unknown_provider_fails_at_bootstrap() -> None:
    settings = IngestSettings(webhook_secrets={"pigeon": "s"})
    with pytest.raises(SettingsError, match="unknown providers pigeon"):
        bootstrap(settings, KafkaSettings(bootstrap="127.0.0.1:9"))


def test_the_mongo_replay_store_needs_mongo_settings() -> None:
    settings = IngestSettings(replay_store="mongo")
    with pytest.raises(SettingsError, match="WAYMARK_MONGO_URL"):
        bootstrap(settings, KafkaSettings(bootstrap="127.0.0.1:9"))

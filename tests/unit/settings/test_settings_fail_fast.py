"""Settings fail at start-up naming the missing or bad environment variable."""

from __future__ import annotations

import pytest
from pydantic_settings import SettingsConfigDict

from waymark.core.settings import (
    KafkaSettings,
    MongoSettings,
    ServiceSettings,
    SettingsError,
    load_settings,
)


class DispatchLikeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="WAYMARK_TESTSVC_", frozen=True)

    smtp_host: str
    concurrency: int = 8


def test_missing_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WAYMARK_TESTSVC_SMTP_HOST", raising=False)
    with pytest.raises(SettingsError, match="WAYMARK_TESTSVC_SMTP_HOST is required but not set"):
        load_settings(DispatchLikeSettings)


def test_bad_value_is_named_with_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYMARK_TESTSVC_SMTP_HOST", "localhost")
    monkeypatch.setenv("WAYMARK_TESTSVC_CONCURRENCY", "many")
    with pytest.raises(SettingsError, match=r"WAYMARK_TESTSVC_CONCURRENCY .*integer"):
        load_settings(DispatchLikeSettings)


def test_prefix_per_service_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYMARK_TESTSVC_SMTP_HOST", "smtp.internal")
    monkeypatch.setenv("WAYMARK_TESTSVC_CONCURRENCY", "3")
    settings = load_settings(DispatchLikeSettings)
    assert settings.smtp_host == "smtp.internal"
    assert settings.concurrency == 3


def test_shared_address_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYMARK_KAFKA_BOOTSTRAP", "10.0.0.1:9092")
    monkeypatch.setenv("WAYMARK_MONGO_URL", "mongodb://db:27017/")
    assert load_settings(KafkaSettings).bootstrap == "10.0.0.1:9092"
    assert load_settings(MongoSettings).url == "mongodb://db:27017/"


def test_missing_kafka_address_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WAYMARK_KAFKA_BOOTSTRAP", raising=False)
    with pytest.raises(SettingsError, match="WAYMARK_KAFKA_BOOTSTRAP"):
        load_settings(KafkaSettings)

"""Analytics reads `WAYMARK_ANALYTICS_*` once and names a bad variable."""

from __future__ import annotations

import pytest

from waymark.analytics.settings import AnalyticsSettings
from waymark.core.settings import SettingsError, load_settings


def test_defaults_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(AnalyticsSettings).port == 8084
    monkeypatch.setenv("WAYMARK_ANALYTICS_PORT", "9100")
    monkeypatch.setenv("WAYMARK_ANALYTICS_DATABASE", "waymark_rebuilt")
    monkeypatch.setenv("WAYMARK_ANALYTICS_CONSUME", "false")
    settings = load_settings(AnalyticsSettings)
    assert (settings.port, settings.database, settings.consume) == (9100, "waymark_rebuilt", False)


def test_a_bad_value_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYMARK_ANALYTICS_PORT", "0")
    with pytest.raises(SettingsError, match="WAYMARK_ANALYTICS_PORT"):
        load_settings(AnalyticsSettings)

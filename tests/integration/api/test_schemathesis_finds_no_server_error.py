"""Schemathesis, driven by the API's own OpenAPI document, finds no 5xx in any operation."""

from __future__ import annotations

from typing import Any

import pytest
from served import no_server_error_anywhere, serve_in_thread

from waymark.core.settings import KafkaSettings, MongoSettings
from waymark.journey_engine.api.app import create_app
from waymark.journey_engine.api.bootstrap import bootstrap

from .support import api_settings, bearer

pytestmark = pytest.mark.timeout(600)


def test_no_operation_answers_5xx(
    kafka_topics: KafkaSettings, mongo_db: Any, mongo_url: str
) -> None:
    mongo = MongoSettings(url=mongo_url, database=mongo_db.name)
    app = create_app(lambda: bootstrap(api_settings(), kafka_topics, mongo), max_body_bytes=65536)
    with serve_in_thread(app) as url:
        # As an admin, so generated requests get past authentication into every handler.
        statuses = no_server_error_anywhere(url, headers=bearer("admin"), min_operations=15)
    assert any(200 <= code < 300 for code in statuses), statuses[:50]
    assert any(400 <= code < 500 for code in statuses), statuses[:50]

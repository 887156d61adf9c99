"""Schemathesis, driven by trigger-ingest's own OpenAPI document, finds no 5xx anywhere."""

from __future__ import annotations

from typing import Any

import pytest
from served import no_server_error_anywhere, serve_in_thread

from waymark.trigger_ingest.bootstrap import bootstrap

from .support import WRITE_KEY, ingest_settings

pytestmark = pytest.mark.timeout(600)


def test_no_operation_answers_5xx(kafka_topics: Any) -> None:
    app = bootstrap(ingest_settings(), kafka_topics)
    with serve_in_thread(app) as url:
        statuses = no_server_error_anywhere(url, auth=(WRITE_KEY, ""), min_operations=6)
    assert any(code == 202 for code in statuses), statuses[:50]
    assert any(400 <= code < 500 for code in statuses), statuses[:50]

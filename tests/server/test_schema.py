"""schemathesis against the app's own OpenAPI schema: no 5xx, responses as documented."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.server.conftest import Server, start_server, stop_server


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Short inputs only, so each generated request synthesises in milliseconds."""
    server = start_server(tmp_path_factory.mktemp("schema"), WARMTTS_MAX_INPUT_CHARS="120")
    try:
        server.wait("/ready", 200)
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="module")
def api_schema(small_server: Server) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_url(small_server.url + "/openapi.json")
    schema.config.base_url = small_server.url  # type: ignore[attr-defined]
    return schema


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_api_conforms_to_its_schema(api_schema: schemathesis.BaseSchema, small_server: Server) -> None:
    """Every operation, a bounded number of generated requests each (schemathesis' pytest plugin
    does not run under pytest 9, so the operations are driven through Hypothesis directly)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=small_server.url, checks=CHECKS, timeout=60)

        check()


def test_schema_documents_every_route(api_schema: schemathesis.BaseSchema, tmp_path: Path) -> None:
    paths = set(api_schema.raw_schema["paths"])  # type: ignore[attr-defined]
    assert {"/v1/audio/speech", "/v1/models", "/v1/voices", "/tts", "/audio/{name}", "/health", "/ready", "/metrics"} <= paths

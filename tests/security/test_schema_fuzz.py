"""Schema-driven fuzzing: schemathesis generates operations from the GraphQL
schema (every query and mutation, random arguments) and sends them to a running
`sitebook serve` with an office key. No answer may be a 5xx, carry a
traceback, or be an unexpected (masked) error: each of those is a bug.

Bounded: SITEBOOK_SCHEMA_FUZZ_EXAMPLES per operation (default 6).
"""

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from schema import build_schema
from tests.reliability.services import Service

EXAMPLES = int(os.environ.get("SITEBOOK_SCHEMA_FUZZ_EXAMPLES", "6"))
# Uploads are not something a schema can generate; tests/security/test_hostile_files.py
# and the import tests send real files.
SCHEMA = schemathesis.graphql.from_dict({"data": build_schema().introspect()}).exclude(
    name=["Mutation.importFile", "Mutation.importAnalyze"])
LEAKS = ("Traceback", 'File "/', "pymongo", "beanie", "pydantic", "Error:")


@pytest.fixture(scope="module")
def service(mongodb_uri: str) -> Iterator[Service]:
    running = Service(mongodb_uri, "sitebook_schema_fuzz", {"SITEBOOK_IMPORT_WORKERS": "0"})
    running.start(role="admin")
    try:
        yield running
    finally:
        running.stop()


@SCHEMA.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_operation_breaks_the_service(case: Any, service: Service) -> None:
    response = case.call(base_url=f"http://127.0.0.1:{service.port}/graphql", timeout=60,
                         headers={"Authorization": f"Bearer {service.key}"})
    assert response.status_code < 500, (case.body, response.text)
    body = response.json()
    for error in body.get("errors") or []:
        text = json.dumps(error)
        assert not any(leak in text for leak in LEAKS), (case.body, error)
        assert error.get("extensions", {}).get("code") != "INTERNAL", (case.body, error)

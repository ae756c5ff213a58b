"""Malformed requests are the client's mistake: HTTP 400 with a GraphQL error,
before authentication where they come before it, and no traceback in the log.
"""

import json
import logging

import httpx
import pytest

from documents.api_key import Role
from tests.conftest import CommandLog, Org


def _quiet(caplog: pytest.LogCaptureFixture) -> None:
    """At most one line logged, and no traceback."""
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) <= 1, [r.getMessage() for r in records]
    assert not any(r.exc_info for r in caplog.records)


async def test_an_unknown_fragment_and_deep_json_get_400_before_the_key(
        http: httpx.AsyncClient, command_log: CommandLog,
        caplog: pytest.LogCaptureFixture) -> None:
    cases = {
        json.dumps({"query": "{ ...X }"}): "Unknown fragment 'X'.",
        json.dumps({"query": "{ ...A } fragment A on Query { ...A }"}):
            "Cannot spread fragment 'A' within itself.",
        "[" * 50_000 + "]" * 50_000: "nested too deeply",
        '{"query": "{ __typename }", "variables": {"a": ' + "[" * 50_000 + "]" * 50_000 + "}}":
            "nested too deeply",
        json.dumps({"query": "{ customers { "}): "Syntax Error",
    }
    for body, message in cases.items():
        caplog.clear()
        command_log.commands.clear()
        response = await http.post("/graphql", content=body,
                                   headers={"Content-Type": "application/json"})
        assert response.status_code == 400, (body[:40], response.text)
        assert message in response.json()["errors"][0]["message"]
        assert command_log.commands == []
        _quiet(caplog)


MULTIPART = {
    "operations is a JSON string": {"operations": '"x"', "map": "{}"},
    "map is a list": {"operations": '{"query": "{ __typename }"}', "map": "[1]"},
    "a path through a string": {
        "operations": '{"query": "{ __typename }", "variables": {"a": "s"}}',
        "map": '{"0": ["variables.a.b"]}'},
    "a path past a list's end": {
        "operations": '{"query": "{ __typename }", "variables": {"a": []}}',
        "map": '{"0": ["variables.a.5"]}'},
    "operations nested 50,000 deep": {
        "operations": '{"query": "{ __typename }", "variables": {"a": '
                      + "[" * 50_000 + "]" * 50_000 + "}}",
        "map": "{}"},
}


async def test_malformed_multipart_requests_get_400(
        org: Org, caplog: pytest.LogCaptureFixture) -> None:
    for name, form in MULTIPART.items():
        caplog.clear()
        response = await org.http.post(
            "/graphql", data=form, files={"0": ("x.csv", b"a", "text/csv")},
            headers={"Authorization": f"Bearer {org.keys[Role.OFFICE]}",
                     "GraphQL-Require-Preflight": "1"})
        assert response.status_code == 400, (name, response.text)
        message = response.json()["errors"][0]["message"]
        assert ("multipart request spec" in message or "nested too deeply" in message), name
        _quiet(caplog)

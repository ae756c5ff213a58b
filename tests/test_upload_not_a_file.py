"""An upload that is not a file (a multipart part without a filename, as gql
sends when it streams, or a JSON string for `file`) is a userError that says
what was received, never an unexpected error.
"""

import json
from typing import Any

import pytest

from documents.api_key import Role
from tests.conftest import Org
from tests.imports import IMPORT_FILE

ANALYZE = """mutation($file: Upload!, $input: ImportAnalyzeInput!) {
  importAnalyze(file: $file, input: $input) {
    analysis { rowCount } userErrors { code message field } }
}"""


def multipart(parts: list[tuple[str, str | None, bytes]]) -> tuple[bytes, str]:
    """A multipart body written by hand: httpx always gives a file part a filename."""
    boundary = "sitebookBoundary7MA4YWxk"
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


async def post(org: Org, body: bytes, content_type: str) -> dict[str, Any]:
    response = await org.http.post("/graphql", content=body, headers={
        "Authorization": f"Bearer {org.keys[Role.OFFICE]}", "Content-Type": content_type,
        "GraphQL-Require-Preflight": "1"})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize("query", [IMPORT_FILE, ANALYZE])
async def test_a_part_without_a_filename_is_invalid_file(org: Org, query: str) -> None:
    inputs = {"entity": "CUSTOMERS"}
    operations = json.dumps({"query": query, "variables": {"file": None, "input": inputs}})
    body, content_type = multipart([
        ("operations", None, operations.encode()),
        ("map", None, b'{"0": ["variables.file"]}'),
        ("0", None, b"Customer Name\nStreamed Ltd\n"),  # no filename: a plain field
    ])
    answer = await post(org, body, content_type)
    assert "errors" not in answer, answer
    (payload,) = answer["data"].values()
    (error,) = payload["userErrors"]
    assert error["code"] == "INVALID_FILE"
    assert error["field"] == ["file"]
    assert "received text of 27 characters" in error["message"]


async def test_a_json_string_for_the_file_is_invalid_file(org: Org) -> None:
    operations = json.dumps({"query": IMPORT_FILE, "variables": {
        "file": "Customer Name\nJson Ltd", "input": {"entity": "CUSTOMERS"}}})
    body, content_type = multipart([("operations", None, operations.encode()),
                                    ("map", None, b"{}")])
    answer = await post(org, body, content_type)
    (error,) = answer["data"]["importFile"]["userErrors"]
    assert error["code"] == "INVALID_FILE"
    assert "received text of 22 characters" in error["message"]
    # The same as plain JSON.
    response = await org.http.post("/graphql", json=json.loads(operations), headers={
        "Authorization": f"Bearer {org.keys[Role.OFFICE]}"})
    (error,) = response.json()["data"]["importFile"]["userErrors"]
    assert error["code"] == "INVALID_FILE"

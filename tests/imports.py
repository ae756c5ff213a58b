"""Uploading files for import through real multipart requests, and waiting for the job."""

import asyncio
import io
import json
from typing import Any

from openpyxl import Workbook

from documents.api_key import Role
from tests.conftest import Org

IMPORT_FILE = """mutation($file: Upload!, $input: ImportFileInput!) {
  importFile(file: $file, input: $input) {
    job { id status entity fileName format }
    userErrors { code message field }
  }
}"""
JOB = """query($id: ID!) { importJob(id: $id) {
  id status entity fileName format dryRun failureReason
  progress { processedRows totalRows } dateOrders { column order fromValues }
  totals { rows created updated unchanged failed skipped }
  warned: totals { rows: warned }
  rowErrors(first: 100) { edges { node { sheet row column field value code message } } }
  rowWarnings(first: 100) { edges { node { sheet row column field value code message
                                          outcome } } }
} }"""
FINISHED = {"SUCCEEDED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELLED"}


def csv_bytes(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    return "\r\n".join(delimiter.join(row) for row in rows).encode(encoding)


def xlsx_bytes(rows: list[list[Any]], title: str = "Sheet1") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def send_file(org: Org, query: str, data: bytes, file_name: str, role: Role,
                    options: dict[str, Any]) -> dict[str, Any]:
    """The payload of a mutation taking `$file` and `$input`, as a real multipart upload."""
    operations = {"query": query, "variables": {"file": None, "input": options}}
    response = await org.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (file_name, data, "application/octet-stream")},
        headers={"Authorization": f"Bearer {org.keys[role]}", "GraphQL-Require-Preflight": "1"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    (payload,) = body["data"].values()
    result: dict[str, Any] = payload
    return result


async def upload(org: Org, data: bytes, file_name: str, role: Role = Role.OFFICE,
                 **options: Any) -> dict[str, Any]:
    """The importFile payload of a real multipart upload."""
    return await send_file(org, IMPORT_FILE, data, file_name, role, options)


async def finished(org: Org, job_id: str, seconds: float = 60) -> dict[str, Any]:
    for _ in range(int(seconds / 0.1)):
        job: dict[str, Any] = (await org.gql(JOB, {"id": job_id}))["importJob"]
        if job["status"] in FINISHED:
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"import {job_id} did not finish: {job}")


async def run_import(org: Org, data: bytes, file_name: str, **options: Any) -> dict[str, Any]:
    payload = await upload(org, data, file_name, **options)
    assert payload["userErrors"] == [], payload["userErrors"]
    assert payload["job"]["status"] in {"QUEUED", "RUNNING", *FINISHED}
    return await finished(org, payload["job"]["id"])

"""Starting an export through the API, waiting for it, and downloading its file."""

import asyncio
import io
from typing import Any

from openpyxl import Workbook, load_workbook

from documents.api_key import Role
from tests.conftest import Org

EXPORT_START = """mutation($input: ExportStartInput!) {
  exportStart(input: $input) {
    job { id status entity format rows progress downloadUrl }
    userErrors { code message field }
  }
}"""
EXPORT_JOB = """query($id: ID!) { exportJob(id: $id) {
  id status entity format rows progress fileName downloadUrl failureReason
} }"""


async def start(org: Org, entity: str, export_format: str = "XLSX",
                role: Role = Role.OFFICE, **filters: Any) -> dict[str, Any]:
    """exportStart's payload."""
    given: dict[str, Any] = {"entity": entity, "format": export_format}
    if filters:
        given["filter"] = filters
    data = await org.gql(EXPORT_START, {"input": given}, role)
    payload: dict[str, Any] = data["exportStart"]
    return payload


async def finished(org: Org, job_id: str, role: Role = Role.OFFICE,
                   seconds: float = 120) -> dict[str, Any]:
    for _ in range(int(seconds / 0.1)):
        job: dict[str, Any] = (await org.gql(EXPORT_JOB, {"id": job_id}, role))["exportJob"]
        if job["status"] in ("SUCCEEDED", "FAILED"):
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"export {job_id} did not finish: {job}")


async def download(org: Org, job: dict[str, Any], role: Role = Role.OFFICE) -> bytes:
    response = await org.http.get(job["downloadUrl"],
                                  headers={"Authorization": f"Bearer {org.keys[role]}"})
    assert response.status_code == 200, response.text
    return response.content


async def export_file(org: Org, entity: str, export_format: str = "XLSX",
                      role: Role = Role.OFFICE, **filters: Any) -> bytes:
    """The file of a finished export."""
    payload = await start(org, entity, export_format, role, **filters)
    assert payload["userErrors"] == [], payload["userErrors"]
    job = await finished(org, payload["job"]["id"], role)
    assert job["status"] == "SUCCEEDED", job
    return await download(org, job, role)


def workbook_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for line in sheet.iter_rows():
            for cell in line:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # typed text, as a person's file may hold
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_rows(data: bytes, title: str | None = None) -> list[list[Any]]:
    """A sheet's cell values (the first sheet's when `title` is None)."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[title] if title else workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def edited(data: bytes, title: str, header: str, row: int, value: Any) -> bytes:
    """The workbook with one cell changed: the column headed `header`, data row `row`."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[title]
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(row=row + 2, column=headers.index(header) + 1, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""The failed rows of an import, as a file the user fixes and imports again:
their original columns plus an Errors column.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from bson import ObjectId
from openpyxl import Workbook

from documents.import_job import ImportJob, ImportRowError
from importers.mapping import column_name
from importers.rows import neutralize
from resolvers.actor import Actor, Permission


@dataclass
class ReportSheet:
    name: str
    header: list[str]
    rows: list[list[str | None]]


async def error_report(actor: Actor, job_id: ObjectId) -> list[ReportSheet] | None:
    actor.require(Permission.READ_IMPORTS)
    job = await ImportJob.get_in(actor.org_id, job_id)
    if job is None:
        return None
    errors = await ImportRowError.find_in(actor.org_id, {"job_id": job.id},
                                          sort=[("seq", 1), ("_id", 1)])
    headers = {part.sheet: part.headers for part in job.parts}
    by_row: dict[tuple[str, int], list[ImportRowError]] = {}
    for error in errors:
        by_row.setdefault((error.sheet or "Errors", error.row), []).append(error)
    sheets: dict[str, ReportSheet] = {}
    for (sheet_name, _), row_errors in by_row.items():
        report = sheets.setdefault(sheet_name, ReportSheet(
            sheet_name, headers.get(sheet_name, job.headers), []))
        messages = "; ".join(
            f"{e.column}: {e.message}" if e.column else e.message for e in row_errors)
        report.rows.append([neutralize(c) for c in row_errors[0].cells] + [neutralize(messages)])
    for report in sheets.values():
        width = max([len(report.header), *(len(r) - 1 for r in report.rows)])
        # Headers come from the uploaded file too: neutralized like every other cell.
        report.header = [neutralize(column_name(i, report.header)) or ""
                         for i in range(width)] + ["Errors"]
        # The Errors column lines up even when a row had fewer cells than the header.
        report.rows = [row[:-1] + [None] * (width - len(row) + 1) + row[-1:]
                       for row in report.rows]
    return list(sheets.values())


def as_csv(sheets: list[ReportSheet]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    many = len(sheets) > 1
    for index, sheet in enumerate(sheets):
        if index:
            writer.writerow([])
        writer.writerow(["Sheet", *sheet.header] if many else sheet.header)
        for row in sheet.rows:
            writer.writerow([neutralize(sheet.name), *row] if many else row)
    yield "\ufeff" + buffer.getvalue()  # a BOM, so Excel reads UTF-8


def as_xlsx(sheets: list[ReportSheet]) -> bytes:
    workbook = Workbook(write_only=True)
    for sheet in sheets or [ReportSheet("Errors", ["Errors"], [])]:
        worksheet = workbook.create_sheet(sheet.name[:31])
        worksheet.append(sheet.header)
        for row in sheet.rows:
            worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

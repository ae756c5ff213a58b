"""The failed rows of an import, as a file the user fixes and imports again:
their original columns plus an Errors column.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from bson import ObjectId
from openpyxl import Workbook

from documents.import_job import ImportJob, ImportRowError, ImportRowIssue, ImportRowWarning
from documents.text import xml_safe
from importers.fields import relabel
from importers.issues import RowOutcome
from importers.mapping import column_name
from importers.rows import neutralize
from resolvers import import_roles
from resolvers.actor import Actor, Permission


@dataclass
class ReportSheet:
    name: str
    header: list[str]
    rows: list[list[str | None]]


def _messages(issues: list[ImportRowIssue], label: str,
              cells: list[str | None]) -> str | None:
    text = "; ".join(f"{i.column}: {relabel(i.message, label, cells)}" if i.column
                     else relabel(i.message, label, cells) for i in issues)
    return neutralize(text) or None


async def error_report(actor: Actor, job_id: ObjectId,
                       report: str = "errors") -> list[ReportSheet] | None:
    """`errors`: the failed rows with an Errors and a Warnings column, to fix and
    import again. `warnings`: the rows that landed with warnings, with a Warnings
    column, to check.
    """
    actor.require(Permission.READ_IMPORTS)
    job = await ImportJob.get_in(actor.org_id, job_id)
    if job is None:
        return None
    import_roles.require_rows(actor, job)
    found_warnings = await ImportRowWarning.find_in(actor.org_id, {"job_id": job.id},
                                                    sort=[("seq", 1), ("_id", 1)])
    warned: dict[tuple[str, int], list[ImportRowIssue]] = {}
    for warning in found_warnings:
        if report == "errors" or warning.outcome != RowOutcome.FAILED:
            key = (warning.sheet or report.capitalize(), warning.row)
            warned.setdefault(key, []).append(warning)
    if report == "errors":
        errors = await ImportRowError.find_in(actor.org_id, {"job_id": job.id},
                                              sort=[("seq", 1), ("_id", 1)])
        by_row: dict[tuple[str, int], list[ImportRowIssue]] = {}
        for error in errors:
            by_row.setdefault((error.sheet or report.capitalize(), error.row), []).append(error)
        columns = ["Errors", "Warnings"]
    else:
        by_row, columns = warned, ["Warnings"]
    headers = {part.sheet: part.headers for part in job.parts}
    sheets: dict[str, ReportSheet] = {}
    for key, row_issues in by_row.items():
        sheet_name = key[0]
        report_sheet = sheets.setdefault(sheet_name, ReportSheet(
            sheet_name, headers.get(sheet_name, job.headers), []))
        # Messages in the organization's word for customers; the row's own values kept.
        label, cells = actor.settings.customer_label, row_issues[0].cells
        extra = [_messages(row_issues, label, cells)] if report == "errors" else []
        extra.append(_messages(warned.get(key, []), label, cells))
        report_sheet.rows.append([neutralize(c) for c in cells] + extra)
    for report_sheet in sheets.values():
        width = max([len(report_sheet.header),
                     *(len(r) - len(columns) for r in report_sheet.rows)])
        # Headers come from the uploaded file too: neutralized like every other cell.
        report_sheet.header = [neutralize(column_name(i, report_sheet.header)) or ""
                               for i in range(width)] + columns
        # The last columns line up even when a row had fewer cells than the header.
        report_sheet.rows = [
            row[:-len(columns)] + [None] * (width - len(row) + len(columns))
            + row[-len(columns):] for row in report_sheet.rows]
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
        worksheet.append([_xml_cell(c) for c in sheet.header])
        for row in sheet.rows:
            worksheet.append([_xml_cell(c) for c in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xml_cell(value: str | None) -> str | None:
    # Whatever a stored row holds (a control character came in before imports
    # cleaned cells), the workbook is still written: XML cannot carry those.
    return None if value is None else xml_safe(value)

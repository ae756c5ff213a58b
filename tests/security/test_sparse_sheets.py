"""A tiny workbook with one cell far away is read without building the
rectangle up to that cell (calamine holds a sheet as one, at about 32 bytes a
cell): its real rows are imported with the file's row numbers, and reading it
costs the reading child little memory.

The child is run as the real process it is (tests/security/isolated_probe.py),
and reports its own peak RSS.
"""

import io
import json
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from importers import isolated
from importers.readers import open_rows
from tests.conftest import Org
from tests.imports import finished, upload
from tests.security.hostile_files import xlsx

ROOT = Path(__file__).resolve().parent.parent.parent
PEAK_RSS_MB = 200
ROWS: list[list[object]] = [["Customer Name", "Email"], ["ABC", "abc@example.com"], [],
                            ["DEF", "not an email"]]


def far_cell_xlsx(far: str, rows: list[list[object]] | None = None) -> bytes:
    """A few rows, and one cell at `far`: a few KB."""
    workbook = load_workbook(io.BytesIO(xlsx(ROWS if rows is None else rows)))
    sheet = workbook.active
    assert sheet is not None
    sheet[far] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def child(tmp_path: Path, data: bytes, max_columns: int = 1_000) -> dict[str, Any]:
    path = tmp_path / "upload.xlsx"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-m", "tests.security.isolated_probe", str(path),
                           str(max_columns)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    outcome: dict[str, Any] = json.loads(done.stdout)
    return outcome


@pytest.mark.parametrize("far", ["ZZ20000", "ALL1048576"])
def test_the_reading_child_reads_a_far_cell_in_bounded_memory(far: str,
                                                              tmp_path: Path) -> None:
    data = far_cell_xlsx(far)
    assert len(data) < 10_000
    outcome = child(tmp_path, data)
    assert outcome["answer"] is None, outcome
    assert outcome["ended"] is True
    last = int(far.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    assert outcome["rows"] == last
    assert outcome["filled"] == [[1, ["Customer Name", "Email"]],
                                 [2, ["ABC", "abc@example.com"]],
                                 [4, ["DEF", "not an email"]], [last, ["x"]]]
    assert outcome["peak_rss_mb"] < PEAK_RSS_MB, outcome


def test_a_far_cell_past_the_column_limit_is_refused_naming_its_row(tmp_path: Path) -> None:
    outcome = child(tmp_path, far_cell_xlsx("XFD1048576"))
    assert outcome["answer"] == {
        "code": "TOO_MANY_COLUMNS",
        "message": "Row 1048576 has 16,384 columns; at most 1,000 are read."}, outcome
    assert outcome["peak_rss_mb"] < PEAK_RSS_MB, outcome


def test_a_real_sheet_is_read_whole(tmp_path: Path) -> None:
    rows = [["Customer Name", "Email", "Notes"]] + [
        [f"Customer {n}", f"c{n}@example.com", "x" * (n % 7)] for n in range(5_000)]
    outcome = child(tmp_path, xlsx(rows))
    assert outcome["answer"] is None, outcome
    assert outcome["rows"] == 5_001
    assert outcome["peak_rss_mb"] < PEAK_RSS_MB, outcome


def test_a_sparse_sheet_reads_as_calamine_reads_it() -> None:
    """The same cells, near (calamine) and with a far cell added (read from the
    XML), give the same values: strings shared and inline, numbers, booleans,
    dates, datetimes, times, durations, a blank first column.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["B2"], sheet["C2"], sheet["D2"], sheet["E2"] = "Name", 12, 1.5, True
    sheet["B3"], sheet["C3"] = datetime(2024, 1, 2), datetime(2024, 1, 2, 3, 4, 5)
    sheet["D3"], sheet["E3"] = date(2024, 5, 6), time(3, 4)
    sheet["F3"], sheet["G3"] = timedelta(hours=30), "=1/0"
    sheet["B5"] = "last"
    buffer = io.BytesIO()
    workbook.save(buffer)
    near = list(open_rows(buffer.getvalue()).rows)
    sheet["B30000"] = "far"
    sheet["ZZ30000"] = "far"
    buffer = io.BytesIO()
    workbook.save(buffer)
    far = list(open_rows(buffer.getvalue()).rows)
    assert len(far) == 30_000
    trimmed = [row[:len(near[0])] for row in far[:len(near)]]
    # calamine pads each row to the rectangle's width; the XML reader stops at
    # a row's last cell.
    assert [list(row) + [None] * (len(near[0]) - len(row)) for row in trimmed] == [
        [None if c == "" else c for c in row] for row in near]
    assert near[2][0] == date(2024, 1, 2)
    assert all(row == [] for row in far[len(near):-1])


async def test_an_upload_with_a_far_cell_is_imported_with_its_row_numbers(org: Org) -> None:
    payload = await upload(org, far_cell_xlsx("ALL1048576"), "stray.xlsx",
                           entity="CUSTOMERS")
    assert payload["userErrors"] == [], payload
    job = await finished(org, payload["job"]["id"], 300)
    assert job["totals"]["created"] == 1, job
    # Row 4's email and the stray cell's row fail, at the file's own row numbers.
    errors = {(e["node"]["row"], e["node"]["field"]) for e in job["rowErrors"]["edges"]}
    assert errors == {(4, "email"), (1048576, None)}, errors
    names = await org.gql("{ customers(first: 10) { edges { node { name } } } }")
    assert [e["node"]["name"] for e in names["customers"]["edges"]] == ["ABC"]


async def test_an_upload_with_a_far_cell_past_the_column_limit_names_its_row(org: Org) -> None:
    payload = await upload(org, far_cell_xlsx("XFD1048576"), "stray.xlsx", entity="CUSTOMERS")
    assert payload["job"] is None
    (error,) = payload["userErrors"]
    assert error["code"] == "TOO_MANY_COLUMNS"
    assert error["message"] == "Row 1048576 has 16,384 columns; at most 1,000 are read."
    jobs = await org.gql("{ importJobs { totalCount } }")
    assert jobs["importJobs"]["totalCount"] == 0


def test_the_service_side_reader_streams_from_a_child() -> None:
    """importers.isolated.open_rows gives the same rows as reading in process."""
    data = far_cell_xlsx("ZZ20000")
    streamed = isolated.open_rows(data, max_columns=1_000)
    assert (streamed.format.value, streamed.sheets) == ("XLSX", ["Sheet"])
    assert list(streamed.rows) == list(open_rows(data, max_columns=1_000).rows)


def test_formatting_far_away_is_no_data() -> None:
    """Cells and rows with only a style (Excel writes them for a formatted
    column) neither make a sheet look dense nor add rows after its data.
    """
    workbook = load_workbook(io.BytesIO(far_cell_xlsx("ZZ20000")))
    sheet = workbook.active
    assert sheet is not None
    for row in range(100, 30_000, 10):
        sheet.cell(row=row, column=1).font = Font(bold=True)  # a style, no value
    sheet["ZZ1048576"].font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = list(open_rows(buffer.getvalue()).rows)
    assert len(rows) == 20_000
    assert rows[3][:2] == ["DEF", "not an email"]
    assert rows[-1][-1] == "x"
    assert rows[99] == []

"""The streaming XLSX writer's files open in openpyxl and python-calamine (what
imports read with) with every cell as written: typed, never a formula, and
text that XML cannot hold written without its illegal characters.
"""

import io
from datetime import date, datetime

from openpyxl import load_workbook
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from importers.xlsx_stream import Style, Styled, XlsxStream, excel_day

ROWS = [
    ["Name", "Count", "Price", "Day", "Flag"],
    ["=1+1", 3, Styled(1250.5, Style.MONEY_2), date(2026, 3, 15), True],
    ["a < b & c > d", 2.5, Styled(15000.0, Style.MONEY_0), date(1900, 1, 1), None],
    ["bell\x07 and \x1f gone", None, Styled(0.125, Style.MONEY_3), datetime(2026, 1, 2, 9, 30),
     False],
    ["  kept spaces  ", 10**15, "text", date(2199, 12, 31), "line\nbreak"],
]


def workbook() -> bytes:
    out = io.BytesIO()
    stream = XlsxStream(out)
    stream.begin_sheet("Data & More", widths=[20, 10], freeze_header=True)
    stream.comment(0, "What it is called")
    stream.row(ROWS[0], Style.HEADER)
    for row in ROWS[1:]:
        stream.row(row)
    validation = DataValidation(type="list", formula1='"Yes,No"', allow_blank=True)
    validation.add("E2:E1048576")
    stream.end_sheet([validation])
    stream.begin_sheet("Hidden", hidden=True)
    stream.row(["x"])
    stream.end_sheet()
    stream.close()
    return out.getvalue()


def test_openpyxl_reads_every_cell_typed_and_no_formula() -> None:
    book = load_workbook(io.BytesIO(workbook()))
    assert book.sheetnames == ["Data & More", "Hidden"]
    assert book["Hidden"].sheet_state == "hidden"
    sheet = book["Data & More"]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 20
    assert sheet["A1"].font.b
    assert sheet["A1"].comment is not None
    assert sheet["A1"].comment.text == "What it is called"
    assert [str(v.sqref) for v in sheet.data_validations.dataValidation] == ["E2:E1048576"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1] == ["=1+1", 3, 1250.5, datetime(2026, 3, 15), True]
    assert sheet["A2"].data_type == "s"  # text that looks like a formula, not one
    assert values[2] == ["a < b & c > d", 2.5, 15000, datetime(1900, 1, 1), None]
    assert values[3] == ["bell and  gone", None, 0.125, datetime(2026, 1, 2), False]
    assert values[4] == ["  kept spaces  ", 10**15, "text", datetime(2199, 12, 31),
                         "line\nbreak"]
    assert [sheet[f"C{r}"].number_format for r in (2, 3, 4)] == [
        "#,##0.00", "#,##0", "#,##0.000"]
    assert sheet["D2"].number_format == "yyyy-mm-dd"


def test_calamine_reads_the_same_cells() -> None:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(workbook())).get_sheet_by_name(
        "Data & More").to_python()
    assert sheet[1] == ["=1+1", 3.0, 1250.5, date(2026, 3, 15), True]
    assert sheet[2] == ["a < b & c > d", 2.5, 15000.0, date(1900, 1, 1), ""]
    assert sheet[4][0] == "  kept spaces  "


def test_excel_days_count_its_1900_leap_day() -> None:
    assert excel_day(date(1900, 1, 1)) == 1
    assert excel_day(date(1900, 2, 28)) == 59
    assert excel_day(date(1900, 3, 1)) == 61
    assert excel_day(date(2026, 1, 1)) == 46023

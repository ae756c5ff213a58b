"""Export files, written a row at a time to a temporary file: XLSX in
openpyxl's write-only mode, or CSV in UTF-8 with a BOM (so Excel reads accents
right). Memory stays flat whatever the number of rows.

Cells a person can use, that the import reads back unchanged: dates are date
cells, money a number cell shown with its currency's decimals (text only when
a float could not hold it exactly), phones and every other text a text cell,
and nothing ever a formula (`neutralize`, which the import undoes), headers
included.
"""

import csv
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from importers.export_rows import Money, Value, header
from importers.fields import FIELDS, Entity
from importers.rows import neutralize
from importers.template import (
    LISTS_SHEET,
    column_validation,
    column_width,
    instruction_lines,
    list_columns,
)

# ISO 4217 minor units that are not 2 (the others, AUD, USD, EUR..., show cents).
_CURRENCY_DECIMALS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                     "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
DATE_FORMAT = "yyyy-mm-dd"


def currency_decimals(currency: str) -> int:
    return _CURRENCY_DECIMALS.get(currency.upper(), 2)


def _exact_float(value: Decimal) -> float | None:
    """`value` as a float when the float reads back as exactly the same decimal."""
    number = float(value)
    return number if Decimal(repr(number)) == value else None


def money_text(money: Money) -> str:
    """An amount with at least its currency's decimals: 1250.5 AUD reads 1250.50."""
    places = Decimal(1).scaleb(-currency_decimals(money.currency))
    shown = money.amount.quantize(places)
    return format(shown if shown == money.amount else money.amount, "f")


class XlsxExport:
    """A workbook of one sheet per entity; with `lists`, the whole standard
    template (Instructions, drop-down lists, a hidden Lists sheet).
    """

    def __init__(self, customer_label: str, lists: dict[str, list[str]] | None = None) -> None:
        self.customer_label = customer_label
        self.workbook = Workbook(write_only=True)
        self.sheet: WriteOnlyWorksheet | None = None
        self.ranges: dict[str, str] = {}
        self.lists = lists
        self._formats: dict[str, Any] = {}
        if lists is not None:
            instructions = self.workbook.create_sheet("Instructions")
            instructions.column_dimensions["A"].width = 110
            for index, line in enumerate(instruction_lines(customer_label)):
                cell = WriteOnlyCell(instructions, neutralize(line))
                if index == 0:
                    cell.font = Font(bold=True, size=14)
                instructions.append([cell])
            self.list_rows, self.ranges = list_columns(lists)

    def begin(self, title: str, entity: Entity, custom_labels: list[str]) -> None:
        sheet = self.workbook.create_sheet(title)
        sheet.freeze_panes = "A2"
        cells = []
        for column, target in enumerate(FIELDS[entity], start=1):
            sheet.column_dimensions[get_column_letter(column)].width = column_width(target)
            cell = WriteOnlyCell(sheet, neutralize(header(target, self.customer_label)))
            cell.font = Font(bold=True)
            if target.description:
                cell.comment = Comment(target.description, "sitebook")
            cells.append(cell)
            validation = column_validation(target, column, self.ranges)
            if validation is not None:
                sheet.data_validations.append(validation)
        for label in custom_labels:
            cell = WriteOnlyCell(sheet, neutralize(label))
            cell.font = Font(bold=True)
            cells.append(cell)
        sheet.append(cells)
        self.sheet = sheet

    def _cell(self, value: Value) -> Any:
        assert self.sheet is not None
        if isinstance(value, str):
            return neutralize(value)
        if isinstance(value, Money):
            number = _exact_float(value.amount)
            if number is None:
                return money_text(value)
            cell = WriteOnlyCell(self.sheet, number)
            decimals = currency_decimals(value.currency)
            cell.number_format = "#,##0" + ("." + "0" * decimals if decimals else "")
            return cell
        if isinstance(value, Decimal):
            number = _exact_float(value)
            return format(value, "f") if number is None else number
        return value  # a date (openpyxl makes it a yyyy-mm-dd date cell) or None

    def append(self, row: list[Value]) -> None:
        assert self.sheet is not None
        self.sheet.append([self._cell(value) for value in row])

    def save(self, out: IO[bytes]) -> None:
        if self.lists is not None:
            values = self.workbook.create_sheet(LISTS_SHEET)
            values.sheet_state = "hidden"
            for row in self.list_rows:
                values.append([neutralize(name) for name in row])
        self.workbook.save(out)


class CsvExport:
    """One entity's rows as CSV: UTF-8 with a BOM, every cell text."""

    def __init__(self, customer_label: str, out: IO[str]) -> None:
        self.customer_label = customer_label
        self.out = out
        self.out.write("\ufeff")
        self.writer = csv.writer(out)

    def begin(self, title: str, entity: Entity, custom_labels: list[str]) -> None:
        self.writer.writerow([neutralize(header(f, self.customer_label))
                              for f in FIELDS[entity]] + [neutralize(c) for c in custom_labels])

    @staticmethod
    def _text(value: Value) -> str | None:
        if value is None:
            return None
        if isinstance(value, Money):
            return money_text(value)
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, str):
            return neutralize(value)
        return value.isoformat()

    def append(self, row: list[Value]) -> None:
        self.writer.writerow([self._text(value) for value in row])

"""Export files, written a row at a time to a temporary file: XLSX streamed
into its zip (importers/xlsx_stream), or CSV in UTF-8 with a BOM (so Excel reads accents
right). Memory stays flat whatever the number of rows.

Cells a person can use, that the import reads back unchanged: dates are date
cells, money a number cell shown with its currency's decimals (text only when
a float could not hold it exactly), phones and every other text a text cell,
and nothing ever a formula (`neutralize`, which the import undoes), headers
included.
"""

import csv
from decimal import Decimal
from typing import IO

from openpyxl.worksheet.datavalidation import DataValidation

from importers.export_rows import Money, Value, headers
from importers.fields import FIELDS, Entity, custom_header
from importers.rows import NEUTRALIZED_STARTS, neutralize
from importers.template import (
    LISTS_SHEET,
    column_validation,
    column_width,
    instruction_lines,
    list_columns,
)
from importers.xlsx_stream import MONEY_STYLES, Cell, Style, Styled, XlsxStream

# ISO 4217 minor units that are not 2 (the others, AUD, USD, EUR..., show cents).
_CURRENCY_DECIMALS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                     "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


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
    """A workbook of one sheet per entity, streamed to `out` (importers/xlsx_stream);
    with `lists`, the whole standard template (Instructions, drop-down lists, a
    hidden Lists sheet).
    """

    def __init__(self, customer_label: str, out: IO[bytes],
                 lists: dict[str, list[str]] | None = None) -> None:
        self.customer_label = customer_label
        self.stream = XlsxStream(out)
        self.open = False
        self.validations: list[DataValidation] = []
        self.ranges: dict[str, str] = {}
        self.lists = lists
        if lists is not None:
            self.stream.begin_sheet("Instructions", widths=[110])
            for index, line in enumerate(instruction_lines(customer_label)):
                self.stream.row([neutralize(line)], Style.TITLE if index == 0 else Style.DEFAULT)
            self.stream.end_sheet()
            self.list_rows, self.ranges = list_columns(lists)

    def _end(self) -> None:
        if self.open:
            self.stream.end_sheet(self.validations)
            self.open, self.validations = False, []

    def begin(self, title: str, entity: Entity, custom_labels: list[str]) -> None:
        self._end()
        targets = FIELDS[entity]
        self.stream.begin_sheet(title, [column_width(t) for t in targets]
                                + [max(14, len(custom_header(label)) + 4)
                                   for label in custom_labels],
                                freeze_header=True)
        self.open = True
        for column, target in enumerate(targets, start=1):
            if target.description:
                self.stream.comment(column - 1, target.description)
            validation = column_validation(target, column, self.ranges)
            if validation is not None:
                self.validations.append(validation)
        self.stream.row([neutralize(label) for label in headers(
            entity, self.customer_label, custom_labels)], Style.HEADER)

    @staticmethod
    def _cell(value: Value) -> Cell:
        if type(value) is str:
            return neutralize(value)
        if isinstance(value, Money):
            number = _exact_float(value.amount)
            if number is None:
                return money_text(value)
            return Styled(number, MONEY_STYLES[currency_decimals(value.currency)])
        if isinstance(value, Decimal):
            number = _exact_float(value)
            return format(value, "f") if number is None else number
        return value  # a date (a yyyy-mm-dd date cell) or None

    def append(self, row: list[Value]) -> None:
        # Text and empty cells, most of a row, without a call each (neutralize, inlined).
        cell, starts = self._cell, NEUTRALIZED_STARTS
        self.stream.row([(("'" + value if value.startswith(starts) else value)
                          if type(value) is str else value if value is None else cell(value))
                         for value in row])

    def save(self) -> None:
        self._end()
        if self.lists is not None:
            self.stream.begin_sheet(LISTS_SHEET, hidden=True)
            for row in self.list_rows:
                self.stream.row([neutralize(name) for name in row])
            self.stream.end_sheet()
        self.stream.close()


class CsvExport:
    """One entity's rows as CSV: UTF-8 with a BOM, every cell text."""

    def __init__(self, customer_label: str, out: IO[str]) -> None:
        self.customer_label = customer_label
        self.out = out
        self.out.write("\ufeff")
        self.writer = csv.writer(out)

    def begin(self, title: str, entity: Entity, custom_labels: list[str]) -> None:
        self.writer.writerow([neutralize(h) for h in headers(entity, self.customer_label,
                                                            custom_labels)])

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

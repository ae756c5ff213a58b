"""From a row of cells to the fields it sets, with a problem per bad cell."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from documents.contact_values import normalize_email, normalize_phone
from documents.import_job import MappedColumn
from importers.dates import DateOrder, parse_date
from importers.fields import CUSTOM_PREFIX, Entity, FieldType, field_for
from importers.mapping import column_name
from importers.readers import Cell

_TRUE = {"true", "yes", "y", "1", "x", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


@dataclass
class CellProblem:
    column: str | None
    field: str | None
    value: str | None
    code: str
    message: str


@dataclass
class SourceRow:
    number: int  # the row number the user sees (header row is row 1)
    cells: list[str | None]
    values: dict[str, Any] = field(default_factory=dict)  # non-empty fields only
    custom: dict[str, str] = field(default_factory=dict)
    problems: list[CellProblem] = field(default_factory=list)

    def fail(self, code: str, message: str, field_key: str | None = None) -> None:
        self.problems.append(CellProblem(None, field_key, None, code, message))


def cell_text(cell: Cell) -> str | None:
    """A cell as the text a user typed: 12.0 reads "12", a date "2026-01-31"."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    text = str(cell).strip()
    if text[:1] == "'" and text[1:2] in NEUTRALIZED_STARTS:
        text = text[1:]  # quoted by an error report (see neutralize) on its way back in
    return text or None


# Cells starting with these would run as formulas in a spreadsheet.
NEUTRALIZED_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: str | None) -> str | None:
    """Cells written out are data, never formulas: a leading quote keeps them text."""
    if value and value.startswith(NEUTRALIZED_STARTS):
        return "'" + value
    return value


def parse_bool(text: str) -> bool:
    folded = text.strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"{text!r} is not yes or no (true/false, yes/no, y/n, 1/0, x or blank).")


def parse_number(text: str) -> Decimal:
    """An exact decimal: "1,250.50" and "$1250.5" read as 1250.50."""
    try:
        value = Decimal(text.strip().replace(",", "").lstrip("$"))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ValueError(f"{text!r} is not a number.")
    return value


def parse_integer(text: str) -> int:
    value = parse_number(text)
    if value != value.to_integral_value():
        raise ValueError(f"{text!r} is not a whole number.")
    return int(value)


_INVALID_CODES = {FieldType.EMAIL: "INVALID_EMAIL", FieldType.PHONE: "INVALID_PHONE",
                  FieldType.BOOLEAN: "INVALID_BOOLEAN", FieldType.DATE: "INVALID_DATE",
                  FieldType.NUMBER: "INVALID_NUMBER", FieldType.INTEGER: "INVALID_NUMBER",
                  FieldType.MONEY: "INVALID_AMOUNT"}


def read_row(
    entity: Entity,
    mapping: list[MappedColumn],
    headers: list[str] | None,
    number: int,
    cells: list[Cell],
    region: str,
    date_orders: dict[int, DateOrder] | None = None,
) -> SourceRow:
    row = SourceRow(number=number, cells=[cell_text(c) for c in cells])
    for mapped in mapping:
        target = field_for(entity, mapped.field)
        text = row.cells[mapped.column] if mapped.column < len(row.cells) else None
        if target is None or text is None:
            continue
        if target.key.startswith(CUSTOM_PREFIX):
            row.custom[target.label] = text
            continue
        try:
            if target.type is FieldType.EMAIL:
                value: Any = normalize_email(text)
            elif target.type is FieldType.PHONE:
                value = normalize_phone(text, region)
            elif target.type is FieldType.BOOLEAN:
                value = parse_bool(text)
            elif target.type in (FieldType.NUMBER, FieldType.MONEY):
                value = parse_number(text)
            elif target.type is FieldType.INTEGER:
                value = parse_integer(text)
            elif target.type is FieldType.DATE:
                order = (date_orders or {}).get(mapped.column, DateOrder.DAY_FIRST)
                value = parse_date(cells[mapped.column], order)
            else:
                value = text
        except ValueError as exc:
            row.problems.append(CellProblem(
                column_name(mapped.column, headers), target.key, text,
                _INVALID_CODES[target.type], str(exc)))
            continue
        row.values[target.key] = value
    return row

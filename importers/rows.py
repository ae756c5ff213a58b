"""From a row of cells to the fields it sets, with a problem per bad cell."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel

from documents.contact_values import PhoneReading, normalize_email, read_phone, region_of_country
from documents.import_job import MappedColumn
from documents.text import clean_text, text_limit, unstorable_character
from importers.dates import DateOrder, parse_date
from importers.fields import CUSTOM_PREFIX, Entity, Field, FieldType, field_for
from importers.issues import RowIssueCode
from importers.mapping import column_name
from importers.readers import Cell

_TRUE = {"true", "yes", "y", "1", "x", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


@dataclass
class CellProblem:
    """An error (the row fails) or a warning (the row lands) about a row."""

    column: str | None
    field: str | None
    value: str | None
    code: RowIssueCode
    message: str


@dataclass
class SourceRow:
    number: int  # the row number the user sees (header row is row 1)
    cells: list[str | None]
    values: dict[str, Any] = field(default_factory=dict)  # non-empty fields only
    custom: dict[str, str] = field(default_factory=dict)
    problems: list[CellProblem] = field(default_factory=list)  # errors
    warnings: list[CellProblem] = field(default_factory=list)
    # Mapped columns by field key, to say where a loader's finding is.
    columns: dict[str, int] = field(default_factory=dict)
    # Lookup entries (customer types, ...) the row's loader found or added for it.
    lookup_ids: set[Any] = field(default_factory=set)

    def fail(self, code: RowIssueCode | str, message: str, field_key: str | None = None) -> None:
        if code == RowIssueCode.REQUIRED and field_key in {p.field for p in self.problems}:
            return  # its value was there, and already failed (too long, not a date...)
        self.problems.append(CellProblem(None, field_key, None, RowIssueCode(code), message))

    def warn(self, code: RowIssueCode, message: str, field_key: str | None = None) -> None:
        self.warnings.append(CellProblem(None, field_key, None, code, message))

    def text(self, field_key: str) -> str | None:
        """The cell mapped to `field_key` as typed; None when empty."""
        index = self.columns.get(field_key)
        text = self.cells[index] if index is not None and index < len(self.cells) else None
        return None if text is None or text.casefold() in EMPTY_MARKERS else text


def assign(item: BaseModel, key: str, value: Any) -> None:
    """Sets a field from a row value. A phone kept as typed is listed in the
    item's `typed_phones`, so a client can tell it from an E.164 number.
    """
    if isinstance(value, PhoneReading):
        setattr(item, key, value.stored)
        typed = [k for k in getattr(item, "typed_phones", []) if k != key]
        item.typed_phones = typed if value.normalized else [*typed, key]  # type: ignore[attr-defined]
    else:
        setattr(item, key, value)


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


class OutOfRange(ValueError):
    """A value of the right kind, beyond what the field takes."""


# Beyond this many digits a number is no quantity or amount anyone has; the
# bound keeps "1e999999" from costing seconds and megabytes downstream.
_MAX_DIGITS = 20


def parse_number(text: str) -> Decimal:
    """An exact decimal: "1,250.50" and "$1250.5" read as 1250.50."""
    try:
        value = Decimal(text.strip().replace(",", "").lstrip("$"))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ValueError(f"{text!r} is not a number.")
    if value and not -_MAX_DIGITS <= value.adjusted() <= _MAX_DIGITS:
        raise OutOfRange(f"{text!r} is out of range.")
    return value


def parse_integer(text: str) -> int:
    value = parse_number(text)
    if value != value.to_integral_value():
        raise ValueError(f"{text!r} is not a whole number.")
    return int(value)


_INVALID_CODES = {FieldType.EMAIL: RowIssueCode.INVALID_EMAIL,
                  FieldType.PHONE: RowIssueCode.INVALID_PHONE,
                  FieldType.BOOLEAN: RowIssueCode.INVALID_BOOLEAN,
                  FieldType.DATE: RowIssueCode.INVALID_DATE,
                  FieldType.NUMBER: RowIssueCode.INVALID_NUMBER,
                  FieldType.INTEGER: RowIssueCode.INVALID_NUMBER,
                  FieldType.MONEY: RowIssueCode.INVALID_AMOUNT}

# What database dumps and spreadsheets write for "no value".
EMPTY_MARKERS = frozenset({"null", "#n/a", "n/a"})
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2199, 12, 31)
_CENT = Decimal("0.01")


def parse_money(cell: Cell, text: str) -> Decimal:
    """Exact money. A float (a workbook's number cell, or its text in an export)
    whose tail is binary noise, within 1e-9 of a cent, is read as that cent:
    29.609999999999997 is 29.61. A float cell off by more is no amount a person typed.
    """
    value = parse_number(text)
    cents = value.quantize(_CENT)
    if value != cents and abs(value - cents) <= Decimal("1e-9"):
        return cents
    if isinstance(cell, float) and value != cents:
        raise ValueError(f"{text!r} is not an amount in cents.")
    return value


def _in_range(target: Field, value: Decimal | int) -> None:
    if target.minimum is not None and value < target.minimum:
        raise OutOfRange(f"{target.label} is at least {target.minimum}, not {value}.")
    if target.maximum is not None and value > target.maximum:
        raise OutOfRange(f"{target.label} is at most {target.maximum:,}, not {value}.")


def _region(values: dict[str, str], default: str) -> str:
    """The row's own country decides how its phones are read, else the org's region."""
    for key, text in values.items():
        if key.endswith("country") and (region := region_of_country(text)):
            return region
    return default


def read_row(
    entity: Entity,
    mapping: list[MappedColumn],
    headers: list[str] | None,
    number: int,
    cells: list[Cell],
    region: str,
    date_orders: dict[int, DateOrder] | None = None,
) -> SourceRow:
    """The row's cells read into field values, with an error for each value that
    can't be stored and a warning for each one stored other than as typed.
    """
    row = SourceRow(number=number, cells=[cell_text(c) for c in cells],
                    columns={m.field: m.column for m in mapping})
    width = len(headers) if headers else 0
    if width:
        extra = [i for i in range(width, len(row.cells)) if row.cells[i] is not None]
        if extra:
            row.problems.append(CellProblem(
                column_name(extra[0], None), None, row.cells[extra[0]],
                RowIssueCode.ROW_HAS_EXTRA_CELLS,
                f"The row has {width + len(extra)} or more values under {width} headers "
                "(an unquoted comma?): its values may not be under the right headers."))
            return row
        if len(row.cells) < width:
            row.warnings.append(CellProblem(
                None, None, None, RowIssueCode.SHORT_ROW,
                f"The row has {len(row.cells)} cells where the header has {width}: check "
                "that its values are under the right headers."))
    texts: dict[str, str] = {}
    for mapped in mapping:
        text = row.cells[mapped.column] if mapped.column < len(row.cells) else None
        if text is not None and text.casefold() in EMPTY_MARKERS:
            row.warnings.append(CellProblem(
                column_name(mapped.column, headers), mapped.field, text,
                RowIssueCode.VALUE_READ_AS_EMPTY, f"{text!r} was read as an empty cell."))
            continue
        if text is not None and unstorable_character(text):
            cleaned = clean_text(text)
            row.warnings.append(CellProblem(
                column_name(mapped.column, headers), mapped.field, cleaned,
                RowIssueCode.TEXT_CLEANED, f"Control characters ({unstorable_character(text)}"
                "...) were taken out of the value."))
            text = cleaned or None
        if text is not None:
            limit = text_limit("value" if mapped.field.startswith(CUSTOM_PREFIX)
                               else mapped.field.rsplit(".", 1)[-1])
            if len(text) > limit:
                row.problems.append(CellProblem(
                    column_name(mapped.column, headers), mapped.field, text[:50] + "...",
                    RowIssueCode.TEXT_TOO_LONG,
                    f"The value has {len(text):,} characters; at most {limit:,} are kept."))
                continue
            texts[mapped.field] = text
    phone_region = _region(texts, region)
    for mapped in mapping:
        target = field_for(entity, mapped.field)
        text = texts.get(mapped.field)
        if target is None or text is None:
            continue
        if target.key.startswith(CUSTOM_PREFIX):
            row.custom[target.label] = text
            continue
        column = column_name(mapped.column, headers)
        cell = cells[mapped.column]
        try:
            value = _coerce(target, cell, text, phone_region,
                            (date_orders or {}).get(mapped.column, DateOrder.DAY_FIRST))
        except OutOfRange as exc:
            row.problems.append(CellProblem(column, target.key, text,
                                            RowIssueCode.OUT_OF_RANGE, str(exc)))
            continue
        except ValueError as exc:
            row.problems.append(CellProblem(column, target.key, text,
                                            _INVALID_CODES[target.type], str(exc)))
            continue
        if isinstance(value, PhoneReading) and not value.normalized:
            row.warnings.append(CellProblem(
                column, target.key, text, RowIssueCode.PHONE_KEPT_AS_TYPED,
                f"{text!r} is not a valid phone number in {phone_region}: kept as typed."))
        row.values[target.key] = value
    return row


def _coerce(target: Field, cell: Cell, text: str, region: str, order: DateOrder) -> Any:
    if target.type is FieldType.EMAIL:
        return normalize_email(text)
    if target.type is FieldType.PHONE:
        return read_phone(text, region)
    if target.type is FieldType.BOOLEAN:
        return parse_bool(text)
    if target.type in (FieldType.NUMBER, FieldType.MONEY, FieldType.INTEGER):
        if target.type is FieldType.MONEY:
            number: Decimal | int = parse_money(cell, text)
        elif target.type is FieldType.INTEGER:
            number = parse_integer(text)
        else:
            number = parse_number(text)
        _in_range(target, number)
        return number
    if target.type is FieldType.DATE:
        # A text file's bare number is no date ("14" months of warranty); a
        # workbook's number cell is Excel's serial day number.
        if isinstance(cell, str) and text.isdigit():
            raise ValueError(f"{text!r} is a number, not a date (use 2026-01-31, "
                             "31/01/2026 or a date cell).")
        found = parse_date(cell, order)
        if not EARLIEST_DATE <= found <= LATEST_DATE:
            raise OutOfRange(f"{found.isoformat()} is not between {EARLIEST_DATE.year} and "
                             f"{LATEST_DATE.year}.")
        return found
    return text

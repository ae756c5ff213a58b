"""Dates as real files hold them: date cells, Excel serial numbers, ISO text,
and day-first or month-first text, decided per column from all its values.
"""

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from enum import StrEnum


class DateOrder(StrEnum):
    DAY_FIRST = "DAY_FIRST"
    MONTH_FIRST = "MONTH_FIRST"


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_EXCEL_EPOCH = date(1899, 12, 30)
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_WORDY = re.compile(r"^(\d{1,2})[ \-/]([A-Za-z]{3,9})[ \-/,]+(\d{4})$")


def detect_order(texts: Iterable[str], default: DateOrder) -> tuple[DateOrder, bool]:
    """The order of a column's numeric dates, and whether its values decided it
    (False: every value fits both orders, so `default` is used).
    """
    for text in texts:
        found = _NUMERIC.match(text.strip())
        if found:
            first, second = int(found[1]), int(found[2])
            if first > 12 >= second:
                return DateOrder.DAY_FIRST, True
            if second > 12 >= first:
                return DateOrder.MONTH_FIRST, True
    return default, False


def parse_date(value: object, order: DateOrder) -> date:
    """A date from a cell; ValueError with a reason when it is none."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2_958_466:  # Excel's serial day numbers (1900 to 9999)
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError(f"{value!r} is not a date.")
    text = str(value).strip()
    try:
        if found := _ISO.match(text):
            return date(int(found[1]), int(found[2]), int(found[3]))
        if found := _NUMERIC.match(text):
            first, second, year = int(found[1]), int(found[2]), int(found[3])
            year += 2000 if year < 100 else 0
            day, month = (first, second) if order is DateOrder.DAY_FIRST else (second, first)
            return date(year, month, day)
        if (found := _WORDY.match(text)) and found[2][:3].lower() in _MONTHS:
            return date(int(found[3]), _MONTHS[found[2][:3].lower()], int(found[1]))
        if text.isdigit():
            return parse_date(int(text), order)
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not a date (use 2026-01-31, 31/01/2026 or a date cell).")

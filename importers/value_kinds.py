"""Whether a cell's text is of the kind of value a field takes.

A proposal checks a sample of a column's values against its field's kind
(importers.fields.ValueKind): `$205.15` is never a name, TRUE/FALSE never a
reference, and a bare number never a date. The checks read text as a person
typed it (rows.cell_text), so a workbook and its CSV export give the same answer.
"""

import re
from collections.abc import Callable

from importers.fields import ValueKind

# Cells that hold nothing: database dumps and spreadsheets write these for empty.
EMPTY_MARKERS = frozenset({"null", "#n/a", "n/a", "na", "none", "nil", "-", "--"})
_TRUE_FALSE = frozenset({"true", "false", "yes", "no"})
_BOOLEAN = _TRUE_FALSE | {"y", "n", "t", "f", "1", "0", "on", "off", "-1"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NUMBER = re.compile(r"^[-+]?(\d{1,3}([, ]\d{3})+|\d+)?([.,]\d+)?([eE][-+]?\d+)?$")
_CURRENCY_SIGNS = "$€£¥₹"
_MONEY = re.compile(rf"^\(?[-+]?\s*([A-Z]{{3}}\s+)?[{_CURRENCY_SIGNS}]?\s*[-+]?"
                    rf"(\d{{1,3}}([, ]\d{{3}})+|\d+)?([.,]\d+)?\s*[{_CURRENCY_SIGNS}]?"
                    rf"(\s+[A-Z]{{3}})?\)?$")
_INTEGER = re.compile(r"^[-+]?\d+(\.0+)?$")
_PHONE = re.compile(r"^\+?[\d\s().\-/]+((x|ext\.?|extension|#)\s*\d+)?$", re.IGNORECASE)
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATES = (
    re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([T ][\d:.]+(Z|[-+]\d{2}:?\d{2})?)?$"),
    re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-](\d{2}|\d{4})( [\d:.]+( ?[ap]m)?)?$", re.IGNORECASE),
    re.compile(r"^\d{4}/\d{1,2}/\d{1,2}$"),
    re.compile(rf"^\d{{1,2}}[ \-/]{_MONTH}[ \-/,]+\d{{2,4}}$", re.IGNORECASE),
    re.compile(rf"^({_MONTH}) \d{{1,2}}(st|nd|rd|th)?,? \d{{4}}$", re.IGNORECASE),
)
_POSTCODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,11}$")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


def is_empty(text: str | None) -> bool:
    return text is None or not text.strip() or text.strip().casefold() in EMPTY_MARKERS


def is_email(text: str) -> bool:
    return "@" in text and bool(_EMAIL.match(text))


def is_number(text: str) -> bool:
    return any(ch.isdigit() for ch in text) and bool(_NUMBER.match(text))


def is_money(text: str) -> bool:
    return any(ch.isdigit() for ch in text) and bool(_MONEY.match(text.strip()))


def is_date(text: str) -> bool:
    # Every date has digits; most texts have none, and skip the patterns.
    return any(ch.isdigit() for ch in text) and any(pattern.match(text) for pattern in _DATES)


def is_true_false(text: str) -> bool:
    return text.casefold() in _TRUE_FALSE


def is_phone(text: str) -> bool:
    return sum(ch.isdigit() for ch in text) >= 4 and bool(_PHONE.match(text))


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _is_name(text: str) -> bool:
    return (_has_letter(text) and not is_true_false(text) and not is_email(text)
            and not is_money(text) and not is_number(text) and not is_date(text))


def _is_code(text: str) -> bool:
    return (len(text) <= 64 and len(text.split()) <= 4 and not is_true_false(text)
            and not is_date(text) and not is_email(text)
            and not (is_money(text) and not is_number(text)))  # "$12.50" is an amount


def _is_address(text: str) -> bool:
    return _has_letter(text) and not is_true_false(text) and not is_email(text)


def _is_place(text: str) -> bool:
    return (_has_letter(text) and len(text) <= 60 and len(text.split()) <= 6
            and not is_true_false(text) and not is_email(text) and not is_number(text))


def _is_postcode(text: str) -> bool:
    return (bool(_POSTCODE.match(text)) and any(ch.isdigit() for ch in text)
            and not is_true_false(text))


FITS: dict[ValueKind, Callable[[str], bool]] = {
    ValueKind.TEXT: lambda text: True,
    ValueKind.NAME: _is_name,
    ValueKind.CODE: _is_code,
    ValueKind.ADDRESS: _is_address,
    ValueKind.PLACE: _is_place,
    ValueKind.POSTCODE: _is_postcode,
    ValueKind.EMAIL: is_email,
    ValueKind.PHONE: is_phone,
    ValueKind.DATE: is_date,
    ValueKind.BOOLEAN: lambda text: text.casefold() in _BOOLEAN,
    ValueKind.NUMBER: is_number,
    ValueKind.INTEGER: lambda text: bool(_INTEGER.match(text)),
    ValueKind.MONEY: is_money,
    ValueKind.CURRENCY: lambda text: bool(_CURRENCY.match(text)),
}


def fits(kind: ValueKind, text: str) -> bool:
    """Whether `text` (not empty) is a value of `kind`."""
    return FITS[kind](text.strip())


def of_another_kind(kind: ValueKind, text: str) -> bool:
    """Whether `text`, not a `kind` value, is plainly a value of another kind: a
    number, amount, date, email or yes/no (not free text, which any value may be
    mistyped as; a number is a mistyped phone number, not another kind).
    """
    text = text.strip()
    if fits(kind, text) or (kind is ValueKind.PHONE and is_number(text)):
        return False
    return (is_number(text) or is_money(text) or is_date(text) or is_email(text)
            or is_true_false(text))


def is_label(text: str) -> bool:
    """Whether `text` reads like a column title: a few words with letters, not a
    value (number, amount, date, email, yes/no, sentence).
    """
    text = text.strip()
    if not _has_letter(text) or len(text) > 60 or len(text.split()) > 7:
        return False
    if is_email(text) or is_date(text) or is_money(text) or is_true_false(text):
        return False
    if "://" in text or text.casefold().startswith("www."):
        return False
    return sum(ch.isdigit() for ch in text) * 3 <= len(text)

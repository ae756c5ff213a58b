"""Which column feeds which field: explicit mappings, and suggestions.

A suggestion is an exact label or alias match (after normalizing case,
spaces and punctuation) with confidence 1.0, else the best fuzzy match
(rapidfuzz) above a threshold, with its score. A field is suggested for one
column only.
"""

import re
import string
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from importers.fields import FIELDS, Entity, field_for

_FUZZY_THRESHOLD = 80.0


@dataclass(frozen=True)
class ColumnMapping:
    column: int  # 0-based
    field: str
    confidence: float = 1.0


def normalize_header(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


def column_name(index: int, headers: list[str] | None) -> str:
    """What the user calls a column: its header, or its letter (A, B, ..., AA)."""
    if headers and index < len(headers) and headers[index]:
        return headers[index]
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = string.ascii_uppercase[remainder] + letters
    return letters


def in_org_words(name: str, customer_label: str) -> str:
    """A label in the organization's word for customers ("Billing Client"), as
    templates and exports write it.
    """
    if customer_label == "Customer":
        return name
    return re.sub(r"\bCustomer\b", customer_label, name)


def suggest(entity: Entity, headers: list[str],
            customer_label: str = "Customer") -> list[ColumnMapping]:
    names: dict[str, str] = {}  # normalized label or alias -> field key
    for target in FIELDS[entity]:
        for name in (target.label, *target.aliases):
            names.setdefault(normalize_header(name), target.key)
    for target in FIELDS[entity]:  # after the registry's own names, which win
        names.setdefault(normalize_header(in_org_words(target.label, customer_label)),
                         target.key)
    taken: set[str] = set()
    found: list[ColumnMapping] = []
    normalized = [normalize_header(h or "") for h in headers]
    for index, header in enumerate(normalized):  # exact matches first, in column order
        key = names.get(header)
        if key and key not in taken:
            taken.add(key)
            found.append(ColumnMapping(index, key, 1.0))
    exact_columns = {m.column for m in found}
    for index, header in enumerate(normalized):
        if index in exact_columns or not header:
            continue
        choices = {name: key for name, key in names.items() if key not in taken}
        best = process.extractOne(header, list(choices), scorer=fuzz.WRatio)
        if best is not None and best[1] >= _FUZZY_THRESHOLD:
            key = choices[best[0]]
            taken.add(key)
            found.append(ColumnMapping(index, key, round(best[1] / 100, 2)))
    return sorted(found, key=lambda m: m.column)


def _looks_like_data(text: str) -> bool:
    # Emails, dates, phone numbers and amounts are values, never column titles.
    digits = sum(ch.isdigit() for ch in text)
    return "@" in text or digits * 3 > len(text)


def looks_like_headers(entity: Entity, first_row: list[str | None],
                       customer_label: str = "Customer") -> bool:
    """True when the first row names fields rather than holding data."""
    texts = [c for c in first_row if c is not None and c.strip()]
    if not texts or any(_looks_like_data(text) for text in texts):
        return False
    return len(suggest(entity, texts, customer_label)) >= max(1, len(texts) // 2)


def unknown_fields(entity: Entity, mapping: list[ColumnMapping]) -> list[str]:
    return [m.field for m in mapping if field_for(entity, m.field) is None]

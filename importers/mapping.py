"""Which column feeds which field: explicit mappings, and proposals.

A proposal reads a column's header and checks its values. The header is cut
into words (camelCase, snake_case, "Street2" and plurals read as a person reads
them) and matched against each field's label and aliases in the registry:

- exactly (confidence 0.9 or more, when the values fit);
- with an address qualifier ("Shipping City", "Billing Code": fields.ADDRESS_QUALIFIERS);
- with a position number ("Phone 1", "Phone 2");
- partly: every word of a name is in the header ("contact_first_name"), but a
  lone generic word ("Name", "Type", "Date") is not enough, and a header
  naming an identifier ("Customer ID") only partly matches identifier fields;
- misspelt, when nothing else matched: a long word close to one of the
  registry's ("Adress", "Postocde"; rapidfuzz) is read as it, at 0.7.

A header "Custom: <Label>" (fields.custom_field_of_header, what exports write)
is the custom field <Label> of an entity that keeps custom fields, at 1.0.

The values (a sample of a few hundred per column) must fit the field's kind
(importers.value_kinds): a column whose values do not fit is not proposed.
A field gets one column: exact matches first, columns with values before
empty ones, earlier names of the field before later ones; the same header twice
is told apart by position (the second "Phone" is the other phone field, Mobile).
"""

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from rapidfuzz import fuzz, process

from importers.fields import (
    ADDRESS_PART_NAMES,
    ADDRESS_PARTS,
    ADDRESS_QUALIFIERS,
    BILLING,
    CUSTOM_HEADER,
    CUSTOM_PREFIX,
    FIELDS,
    QUALIFIED_PART_NAMES,
    SITE,
    Entity,
    Field,
    ValueKind,
    custom_field_of_header,
    field_for,
)
from importers.value_kinds import fits, of_another_kind

# Values of a column checked against a field (non-empty ones, from the top).
SAMPLE_VALUES = 300
# Below this share of fitting values a column is not proposed; below the
# second, it is proposed only at low confidence.
_NOT_PROPOSED_BELOW = 0.5
_FITS_FROM = 0.8
# Alone, these words say too little to name a field ("Display Name", "Contact Type").
_GENERIC_WORDS = frozenset({
    "name", "type", "date", "time", "status", "note", "description", "title", "value",
    "amount", "label", "total", "detail", "info", "other", "group", "category", "id", "code",
    "number", "no", "num", "nr", "ref", "key", "address", "line", "contact"})
# A header ending in one of these names an identifier of something.
_IDENTIFIER_WORDS = frozenset({"id", "code", "number", "no", "num", "nr", "ref", "key",
                               "identifier"})

EXACT, NUMBERED, PARTIAL, MISSPELT = 0, 1, 2, 3
# A header word this close (rapidfuzz ratio) to a word of the registry, and at
# least _TYPO_LENGTH long, is read as that word ("Adress", "Postocde").
_TYPO_SCORE = 85.0
_TYPO_LENGTH = 5


@dataclass(frozen=True)
class ColumnMapping:
    column: int  # 0-based
    field: str
    confidence: float = 1.0
    reason: str = ""


@dataclass(frozen=True)
class UnproposedColumn:
    column: int
    header: str
    samples: list[str]
    reason: str = ""


@dataclass
class Proposal:
    mapping: list[ColumnMapping]
    unproposed: list[UnproposedColumn] = field(default_factory=list)


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


def _stem(word: str) -> str:
    # "Terms" is "Term", "Notes" "Note"; "Address" and "Status" stay.
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def header_words(text: str) -> tuple[str, ...]:
    """The words of a header as a person reads them: "EmailID" and "E-mail ID" are email id,
    "address_line_1" address line 1, "Street2" street 2, "Terms" term.
    """
    text = re.sub(r"\be[-\s]mail", "email", text, flags=re.IGNORECASE)  # "E-mail" is one word
    text = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    text = re.sub(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])", " ", text)
    return tuple(_stem(word) for word in re.findall(r"[^\W_]+", text.casefold()))


@dataclass(frozen=True)
class _Name:
    words: tuple[str, ...]
    text: str  # as the registry writes it
    key: str
    rank: int  # 0: the label; then the aliases in order


@dataclass(frozen=True)
class _Index:
    exact: dict[tuple[str, ...], _Name]
    by_word: dict[str, tuple[_Name, ...]]  # word -> the names that have it
    vocabulary: tuple[str, ...]  # the words of every name, for reading misspelt headers
    # qualifier words -> (address prefix, {part name words -> (part, rank, text)})
    qualified: dict[tuple[str, ...], tuple[str, dict[tuple[str, ...], tuple[str, int, str]]]]


@cache
def _index(entity: Entity) -> _Index:
    exact: dict[tuple[str, ...], _Name] = {}
    names: list[_Name] = []
    for target in FIELDS[entity]:
        for rank, text in enumerate((target.label, *target.aliases)):
            name = _Name(header_words(text), text, target.key, rank)
            names.append(name)
            exact.setdefault(name.words, name)
    prefixes = {key.removesuffix(".line1") for key in (f.key for f in FIELDS[entity])
                if key.endswith(".line1")}
    parts: dict[tuple[str, ...], tuple[str, int, str]] = {}
    for part, bare, qualified in zip(ADDRESS_PARTS, ADDRESS_PART_NAMES, QUALIFIED_PART_NAMES,
                                     strict=True):
        for rank, text in enumerate((*bare, *qualified)):
            parts.setdefault(header_words(text), (part, rank, text))
    # The entity's address fields: "billing_address.*" is the billing one, any other the site's.
    whose_prefix = {BILLING: "billing_address" if "billing_address" in prefixes else None,
                    SITE: next((p for p in sorted(prefixes) if p != "billing_address"), None)}
    qualified_index = {}
    for qualifier, whose in ADDRESS_QUALIFIERS.items():
        if (prefix := whose_prefix[whose]) is not None:
            qualified_index[header_words(qualifier)] = (prefix, parts)
    by_word: dict[str, list[_Name]] = {}
    for name in names:
        for word in set(name.words):
            by_word.setdefault(word, []).append(name)
    vocabulary = {word for name in names for word in name.words}
    vocabulary |= {word for words in (*parts, *qualified_index) for word in words}
    return _Index(exact, {w: tuple(n) for w, n in by_word.items()},
                  tuple(sorted(w for w in vocabulary if len(w) >= _TYPO_LENGTH)),
                  qualified_index)


@dataclass(frozen=True)
class _Match:
    key: str
    quality: int  # EXACT, NUMBERED or PARTIAL
    coverage: float  # share of the header's words the name covers
    rank: int
    why: str


def _alternatives(header: str, customer_label: str) -> list[tuple[str, ...]]:
    """The header's words, and each of its "/" alternatives ("State/Province",
    "postal_code/zip_code"), with the org's word for customers read as "customer".
    """
    found = [header_words(header)]
    if "/" in header:
        pieces = [header_words(piece) for piece in header.split("/")]
        qualifier = next((q for q in sorted(ADDRESS_QUALIFIERS, key=len, reverse=True)
                          if pieces[0][:len(header_words(q))] == header_words(q)), None)
        lead = header_words(qualifier) if qualifier else ()
        for piece in pieces:
            if piece and lead and piece[:len(lead)] != lead:
                piece = lead + piece
            if piece:
                found.append(piece)
    label = _label_words(customer_label)
    if label and label != ("customer",):
        for words in list(found):
            for start in range(len(words) - len(label) + 1):
                if words[start:start + len(label)] == label:
                    found.append((*words[:start], "customer", *words[start + len(label):]))
    return found


@lru_cache(maxsize=64)
def _label_words(customer_label: str) -> tuple[str, ...]:
    return header_words(customer_label)


@lru_cache(maxsize=8192)  # the header row search asks about the same cells again
def _matches(entity: Entity, header: str, customer_label: str,
             partly: bool = True) -> tuple[_Match, ...]:
    index = _index(entity)
    found: list[_Match] = []
    alternatives = _alternatives(header, customer_label)
    for words in alternatives:
        if not words:
            continue
        found += _whole_matches(entity, index, words)
        if not partly:
            continue
        present = set(words)
        names_identifier = words[-1] in _IDENTIFIER_WORDS
        for name in dict.fromkeys(n for word in present for n in index.by_word.get(word, ())):
            if name.words == words or not set(name.words) <= present:
                continue
            if len(name.words) == 1 and name.words[0] in _GENERIC_WORDS:
                continue
            target = field_for(entity, name.key)
            # (A phone number is a number too: "Mobile No".)
            if names_identifier and (target is None or target.value_kind not in (
                    ValueKind.CODE, ValueKind.PHONE)):
                continue
            coverage = len(name.words) / len(words)
            if coverage >= 0.5:
                found.append(_Match(name.key, PARTIAL, coverage, name.rank,
                                    f"has '{name.text}' of {_label(entity, name.key)}"))
    if partly and not found:
        found = _misspelt_matches(entity, index, alternatives)
    return tuple(found)


def _whole_matches(entity: Entity, index: _Index, words: tuple[str, ...]) -> list[_Match]:
    """A label or alias, a qualified address part, or a numbered name, all of `words`."""
    found = []
    if (name := index.exact.get(words)) is not None:
        kind = "label" if name.rank == 0 else "alias"
        found.append(_Match(name.key, EXACT, 1.0, name.rank,
                            f"{kind} '{name.text}' of {_label(entity, name.key)}"))
    for qualifier, (prefix, parts) in index.qualified.items():
        rest = words[len(qualifier):]
        if words[0] == qualifier[0] and words[:len(qualifier)] == qualifier and rest in parts:
            part, rank, text = parts[rest]
            key = f"{prefix}.{part}"
            found.append(_Match(key, EXACT, 1.0, 100 + rank,
                                f"'{' '.join(qualifier)}' + '{text}': {_label(entity, key)}"))
    if len(words) > 1 and words[-1].isdigit() and (
            name := index.exact.get(words[:-1])) is not None:
        found.append(_Match(name.key, NUMBERED, 1.0, name.rank,
                            f"'{name.text}' numbered {words[-1]}: {_label(entity, name.key)}"))
    return found


def _misspelt_matches(entity: Entity, index: _Index,
                      alternatives: list[tuple[str, ...]]) -> list[_Match]:
    """Whole matches of a header once its misspelt words are read as the
    registry's ("Adress" as address): never sure, so at most MISSPELT quality.
    """
    found = []
    for words in alternatives:
        fixed = []
        for word in words:
            best = None
            if len(word) >= _TYPO_LENGTH and word.isalpha() and word not in index.by_word:
                best = process.extractOne(word, index.vocabulary, scorer=fuzz.ratio,
                                          score_cutoff=_TYPO_SCORE)
            fixed.append(best[0] if best else word)
        if tuple(fixed) == words:
            continue
        read = " ".join(f for f, w in zip(fixed, words, strict=True) if f != w)
        for match in _whole_matches(entity, index, tuple(fixed)):
            found.append(_Match(match.key, MISSPELT, 1.0, match.rank,
                                f"read as '{read}': {match.why}"))
    return found


def _label(entity: Entity, key: str) -> str:
    target = field_for(entity, key)
    return target.label if target else key


@dataclass
class _Candidate:
    column: int
    match: _Match
    fitting: int
    sampled: int
    group_empty: bool  # no column with this header has values

    @property
    def ratio(self) -> float:
        return self.fitting / self.sampled if self.sampled else 1.0

    def order(self) -> tuple[int, bool, float, int, int]:
        return (self.match.quality, self.group_empty, -self.match.coverage, self.match.rank,
                self.column)

    def confidence(self) -> float:
        if self.ratio < _FITS_FROM:
            return 0.4
        if self.match.quality == EXACT:
            if not self.sampled:
                return 0.9
            return 1.0 if self.ratio >= 0.95 else 0.9
        if self.match.quality == NUMBERED:
            return 0.85
        if self.match.quality == MISSPELT:
            return 0.7
        return round(min(0.8, 0.5 + 0.3 * self.match.coverage), 2)

    def reason(self) -> str:
        if not self.sampled:
            return f"{self.match.why}; no values to check"
        return f"{self.match.why}; {self.fitting} of {self.sampled} values fit"


def _fitting(target: Field, values: Sequence[str]) -> int:
    return sum(fits(target.value_kind, value) for value in values)


def _other_kind(target: Field, values: Sequence[str]) -> int:
    """How many of `values` are clearly values of another kind than the field's."""
    return sum(of_another_kind(target.value_kind, value) for value in values)


def propose(entity: Entity, headers: list[str], values: Sequence[Sequence[str]] | None = None,
            customer_label: str = "Customer") -> Proposal:
    """The mapping proposed for `headers`, whose columns hold `values` (a sample
    of each column's non-empty cells as text; none known: only headers count).
    """
    columns = [list(values[i][:SAMPLE_VALUES]) if values and i < len(values) else []
               for i in range(len(headers))]
    groups: dict[str, bool] = {}  # header (position number aside) -> no column has values
    for index, header in enumerate(headers):
        group = _group(header)
        groups[group] = groups.get(group, True) and not columns[index]
    candidates: list[_Candidate] = []
    # column -> (how close the name was: 0 best, why it is not proposed)
    why_not: dict[int, tuple[int, str]] = {}

    def note(column: int, closeness: int, why: str) -> None:
        if column not in why_not or closeness < why_not[column][0]:
            why_not[column] = (closeness, why)

    customs: dict[int, str] = {}  # column -> the custom field its header names
    for index, header in enumerate(headers):
        if not header or not header.strip():
            continue
        if (custom := custom_field_of_header(entity, header)) is not None:
            customs[index] = custom
            continue
        for match in _matches(entity, header, customer_label):
            target = field_for(entity, match.key)
            assert target is not None
            fitting = _fitting(target, columns[index])
            candidate = _Candidate(index, match, fitting, len(columns[index]),
                                   groups[_group(header)])
            # A column named exactly for a field whose values are merely bad ("x" for
            # yes/no) is still proposed, at low confidence, so its rows report the
            # errors; values of another kind altogether (amounts, yes/no, dates
            # for a name) mean the column holds something else.
            other = _other_kind(target, columns[index])
            if candidate.ratio < _NOT_PROPOSED_BELOW and (
                    match.quality != EXACT or other * 2 >= candidate.sampled):
                note(index, 2 * match.quality + 1,
                     f"{match.why}, but {fitting} of {candidate.sampled} values fit "
                     f"({target.value_kind.value.lower()} wanted)")
                continue
            candidates.append(candidate)
    candidates.sort(key=_Candidate.order)
    taken: dict[str, int] = {}  # field -> column
    chosen: dict[int, ColumnMapping] = {}
    for candidate in candidates:
        if candidate.column in chosen:
            continue
        key = candidate.match.key
        if key in taken:
            sibling = _sibling(entity, key, taken, headers, candidate, columns[candidate.column])
            if sibling is not None:
                taken[sibling.field] = candidate.column
                chosen[candidate.column] = sibling
            else:
                note(candidate.column, 2 * candidate.match.quality,
                     f"{candidate.match.why}, but '{headers[taken[key]]}' is proposed for it")
            continue
        taken[key] = candidate.column
        chosen[candidate.column] = ColumnMapping(candidate.column, key, candidate.confidence(),
                                                 candidate.reason())
    for index, custom in customs.items():
        if custom in taken:
            note(index, 0, f"custom field '{custom.removeprefix(CUSTOM_PREFIX)}', but "
                 f"'{headers[taken[custom]]}' is proposed for it")
            continue
        taken[custom] = index
        chosen[index] = ColumnMapping(index, custom, 1.0, f"'{CUSTOM_HEADER.strip()}' header: "
                                      f"custom field '{custom.removeprefix(CUSTOM_PREFIX)}'")
    found = list(chosen.values())
    found += _fallbacks(entity, headers, taken, columns)
    found.sort(key=lambda m: (m.column, m.field))
    proposed = {m.column for m in found}
    unproposed = [UnproposedColumn(index, header, columns[index][:3],
                                   why_not.get(index, (0, ""))[1])
                  for index, header in enumerate(headers) if index not in proposed]
    return Proposal(found, unproposed)


def _group(header: str) -> str:
    words = header_words(header)
    return " ".join(words[:-1] if len(words) > 1 and words[-1].isdigit() else words)


def _sibling(entity: Entity, key: str, taken: dict[str, int], headers: list[str],
             candidate: _Candidate, values: Sequence[str]) -> ColumnMapping | None:
    """For a header that repeats one already taken ("Phone" twice, "Phone 1" and
    "Phone 2"), the next field of the same kind, if free: position tells them apart.
    """
    if candidate.match.quality == PARTIAL or _group(headers[taken[key]]) != _group(
            headers[candidate.column]):
        return None
    fields = FIELDS[entity]
    first = next(f for f in fields if f.key == key)
    after = fields[fields.index(first) + 1:]
    for target in after:
        if (target.value_kind is first.value_kind and target.key not in taken
                and target.key.rpartition(".")[0] == key.rpartition(".")[0]):
            fitting = _fitting(target, values)
            if values and fitting / len(values) < _FITS_FROM:
                return None
            return ColumnMapping(candidate.column, target.key, 0.6,
                                 f"'{headers[candidate.column]}' again: the second is "
                                 f"{target.label}; {fitting} of {len(values)} values fit")
    return None


def _fallbacks(entity: Entity, headers: list[str], taken: dict[str, int],
               columns: list[list[str]]) -> list[ColumnMapping]:
    """A field with no column of its own, filled by its fallback's column
    (registry: Field.fallback), when its values are unique if they must be.
    """
    found = []
    for target in FIELDS[entity]:
        if target.fallback is None or target.key in taken or target.fallback not in taken:
            continue
        column = taken[target.fallback]
        values = columns[column]
        if target.unique and (not values or len({v.strip().casefold() for v in values})
                              < len(values)):
            continue
        fitting = _fitting(target, values)
        if values and fitting / len(values) < _FITS_FROM:
            continue
        found.append(ColumnMapping(column, target.key, 0.6,
                                   f"no {target.label} column: '{headers[column]}' fills it"
                                   + ("; its values are unique" if target.unique else "")))
    return found


def suggest(entity: Entity, headers: list[str], values: Sequence[Sequence[str]] | None = None,
            customer_label: str = "Customer") -> list[ColumnMapping]:
    return propose(entity, headers, values, customer_label).mapping


def header_matches(entity: Entity, header: str, customer_label: str = "Customer") -> bool:
    """Whether `header` names a field exactly (a label, alias, qualified address
    part, numbered name or a custom field's header): a sign that its row is the
    header row.
    """
    return (bool(_matches(entity, header, customer_label, partly=False))
            or custom_field_of_header(entity, header) is not None)


def unknown_fields(entity: Entity, mapping: list[ColumnMapping]) -> list[str]:
    return [m.field for m in mapping if field_for(entity, m.field) is None]

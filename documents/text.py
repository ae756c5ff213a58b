"""Normalized keys for matching names and for index-served search.

SecantusDB has no text index, so search runs on an array of normalized word
tokens with a multikey index; a prefix query is an index range on it.
"""

import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"[^\W_]+")
# The highest code point that sorts after every normalized token character.
PREFIX_END = "\U0010ffff"


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a text."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


# What a stored text may not hold: C0/C1 control characters other than tab and
# line breaks, lone surrogates (no encoding, BSON included, can write them) and
# the two noncharacters XML refuses. The API refuses them.
_UNSTORABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Also dropped, never refused: a byte order mark is an encoding's mark, not content.
_DROPPED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
# What an XLSX cell (XML 1.0) cannot hold: the same minus the BOM and C1, which XML allows.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Caps on stored text, in characters (README "Limits of stored text").
TEXT_LIMIT = 255  # names, addresses, emails, phones, codes: every one-line field
NOTES_LIMIT = 10_000  # a site's notes, a custom field's value
CUSTOM_FIELD_KEY_LIMIT = 100
CUSTOM_FIELDS_LIMIT = 100  # keys per customer
# Fields, by their stored name, whose cap is not TEXT_LIMIT.
LONG_TEXT_FIELDS = frozenset({"notes", "value"})


def clean_text(value: str) -> str:
    """A text as it is stored: in NFC (the composed form macOS files often lack),
    without control characters (tab and line breaks stay), lone surrogates or a BOM.

    The one cleaning every path that stores text uses: API, import (per cell) and CLI.
    """
    return unicodedata.normalize("NFC", _DROPPED.sub("", value))


def unstorable_character(value: str) -> str | None:
    """The first character no stored text may hold (what `clean_text` drops, a BOM
    aside), as U+XXXX; None when there is none.
    """
    found = _UNSTORABLE.search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def text_limit(field: str) -> int:
    """The cap of a stored text field, by its stored name ("key" and "value": a custom field's)."""
    if field == "key":
        return CUSTOM_FIELD_KEY_LIMIT
    return NOTES_LIMIT if field in LONG_TEXT_FIELDS else TEXT_LIMIT


def custom_key_problem(key: str) -> str | None:
    """Why `key` cannot name a custom field, or None. Keys are stored as field
    names of a subdocument, where "$" starts an operator and "." a path. (Their
    length is capped as every text's, by text_limit("key").)
    """
    if key.startswith("$") or "." in key:
        return "A custom field key may not start with '$' or hold a '.'."
    return None


def xml_safe(value: str) -> str:
    """`value` without the characters an XLSX cell cannot hold (for files we write
    from what is already stored, whatever it holds).
    """
    return _NOT_XML.sub("", value)


def name_key(name: str) -> str:
    """The unique identifier form of a name: NFKC (fullwidth and compatibility
    letters become plain ones), without format characters (zero-width spaces,
    joiners, a BOM, direction overrides) or control characters, case folded,
    whitespace collapsed. So every spelling that looks the same is one key.

    Changing this changes stored keys: `sitebook rekey` recomputes them.
    """
    if name.isascii():  # most names: NFKC changes nothing, and no format character is ASCII
        return " ".join(_ASCII_CONTROL.sub("", name).casefold().split())
    return unicode_name_key(name)


def unicode_name_key(name: str) -> str:
    """`name_key` of any text (the general path, which `name_key` skips for ASCII)."""
    compatible = unicodedata.normalize("NFKC", name)
    visible = "".join(ch for ch in compatible
                      if unicodedata.category(ch) not in _INVISIBLE or ch in "\t\n\r")
    return " ".join(unicodedata.normalize("NFKC", visible.casefold()).split())


# ASCII control characters other than tab and line breaks (as the general path drops them).
_ASCII_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Format (Cf), control (Cc) and surrogate (Cs) characters: nothing a reader sees.
_INVISIBLE = frozenset({"Cf", "Cc", "Cs"})


def words(text: str | None) -> list[str]:
    """The normalized words of a text, in order."""
    if not text:
        return []
    return _WORD.findall(fold(text))


def search_tokens(texts: Iterable[str | None]) -> list[str]:
    """Distinct tokens of several texts; a run of digits with separators also
    counts as one token, so "0412 345 678" is found by "0412345".
    """
    tokens: set[str] = set()
    for text in texts:
        tokens.update(words(text))
        digits = re.sub(r"\D", "", text or "")
        if len(digits) >= 3:
            tokens.add(digits)
    return sorted(tokens)


# Letters of a token kept in `search_prefixes`: a search word of at least this
# many letters is an equality on the (org_id, search_prefixes, name_key) index,
# which a name range then bounds (see resolvers/name_order).
SEARCH_PREFIX_LENGTH = 3


def search_prefixes(tokens: Iterable[str]) -> list[str]:
    """The distinct first SEARCH_PREFIX_LENGTH letters of each token (a shorter
    token whole): what the search index holds. Fewer entries than the tokens
    themselves, and a prefix-equality is bounded by a name range on the index.
    """
    return sorted({token[:SEARCH_PREFIX_LENGTH] for token in tokens})


def prefix_condition(word: str) -> str | dict[str, str]:
    """The condition on `search_prefixes` of the customers a search word may match:
    an equality for a word of at least SEARCH_PREFIX_LENGTH letters, else a range.
    """
    if len(word) >= SEARCH_PREFIX_LENGTH:
        return word[:SEARCH_PREFIX_LENGTH]
    return prefix_range(word)


def prefix_range(word: str) -> dict[str, str]:
    """The index range of tokens that start with `word`."""
    return {"$gte": word, "$lt": word + PREFIX_END}


def matches_all(query_words: Iterable[str], tokens: Iterable[str]) -> bool:
    """True when every query word starts some token."""
    token_list = list(tokens)
    return all(any(t.startswith(w) for t in token_list) for w in query_words)

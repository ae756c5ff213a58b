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


def name_key(name: str) -> str:
    """The unique identifier form of a name: case folded, whitespace collapsed."""
    return " ".join(name.casefold().split())


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


def prefix_range(word: str) -> dict[str, str]:
    """The index range of tokens that start with `word`."""
    return {"$gte": word, "$lt": word + PREFIX_END}


def matches_all(query_words: Iterable[str], tokens: Iterable[str]) -> bool:
    """True when every query word starts some token."""
    token_list = list(tokens)
    return all(any(t.startswith(w) for t in token_list) for w in query_words)

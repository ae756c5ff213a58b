"""Keyset pagination: opaque cursors carrying the sort key of the last row."""

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bson import ObjectId

from resolvers.errors import ErrorCode, Problem, UserFacingError

T = TypeVar("T")
DEFAULT_PAGE = 50
MAX_PAGE = 100


@dataclass
class Page(Generic[T]):
    items: list[tuple[str, T]]  # (cursor, item)
    has_next_page: bool
    # Counting costs a query of its own: only run when the client asks.
    count: Callable[[], Awaitable[int]]


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if first < 0 or first > MAX_PAGE:
        raise UserFacingError(
            Problem(ErrorCode.INVALID, f"first must be between 0 and {MAX_PAGE}.", ["first"])
        )
    return first


def encode_cursor(*key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


# Cursors the service writes are far shorter; a longer one is refused unread.
MAX_CURSOR_CHARS = 1_000


def decode_cursor(cursor: str | None, *shape: type) -> list[Any] | None:
    """The sort key a cursor carries, checked against the `shape` its list writes
    (`str`, `int`, or `ObjectId`, carried as its hex text and returned as an
    ObjectId), so a crafted cursor is the client's error, never a crash later.
    """
    if cursor is None:
        return None
    try:
        key = (json.loads(base64.urlsafe_b64decode(cursor.encode()))
               if len(cursor) <= MAX_CURSOR_CHARS else None)
    except (ValueError, RecursionError):
        key = None
    parts = _shaped(key, shape) if isinstance(key, list) else None
    if not parts:
        raise UserFacingError(Problem(
            ErrorCode.INVALID, "after is not a valid cursor: pass the endCursor (or an edge's "
            "cursor) of this same list, unchanged.", ["after"]))
    return parts


def _shaped(key: list[Any], shape: tuple[type, ...]) -> list[Any] | None:
    if not shape:
        return key or None
    if len(key) != len(shape):
        return None
    parts: list[Any] = []
    for value, kind in zip(key, shape, strict=True):
        if kind is ObjectId:
            if not isinstance(value, str) or not ObjectId.is_valid(value):
                return None
            parts.append(ObjectId(value))
        elif type(value) is not kind:  # bool is an int, but no cursor's part
            return None
        else:
            parts.append(value)
    return parts

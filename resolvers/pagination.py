"""Keyset pagination: opaque cursors carrying the sort key of the last row."""

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

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


def decode_cursor(cursor: str | None) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        key = None
    if not isinstance(key, list) or not key:
        raise UserFacingError(Problem(ErrorCode.INVALID, "after is not a valid cursor.", ["after"]))
    return key

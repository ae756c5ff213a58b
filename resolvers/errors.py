"""Domain errors. Expected failures become userErrors; nothing here knows GraphQL."""

from dataclasses import dataclass, field
from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    DUPLICATE = "DUPLICATE"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_PHONE = "INVALID_PHONE"
    BILLING_CUSTOMER_SELF = "BILLING_CUSTOMER_SELF"
    BILLING_CUSTOMER_CYCLE = "BILLING_CUSTOMER_CYCLE"
    UNKNOWN_CUSTOMER_TYPE = "UNKNOWN_CUSTOMER_TYPE"
    UNKNOWN_LEAD_SOURCE = "UNKNOWN_LEAD_SOURCE"
    UNKNOWN_PAYMENT_TERM = "UNKNOWN_PAYMENT_TERM"
    UNKNOWN_PRICE_LEVEL = "UNKNOWN_PRICE_LEVEL"
    UNKNOWN_USER = "UNKNOWN_USER"
    UNKNOWN_SITE = "UNKNOWN_SITE"
    CONFLICT = "CONFLICT"
    UNSUPPORTED_FILE = "UNSUPPORTED_FILE"
    CORRUPT_FILE = "CORRUPT_FILE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    SHEET_NOT_FOUND = "SHEET_NOT_FOUND"
    TOO_MANY_COLUMNS = "TOO_MANY_COLUMNS"
    TOO_MANY_ROWS = "TOO_MANY_ROWS"
    PASSWORD_PROTECTED = "PASSWORD_PROTECTED"  # noqa: S105 -- a code, not a password
    CELL_TOO_LONG = "CELL_TOO_LONG"
    UNKNOWN_FIELD = "UNKNOWN_FIELD"
    UNKNOWN_COLUMN = "UNKNOWN_COLUMN"
    INVALID_NUMBER = "INVALID_NUMBER"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    INVALID_TEXT = "INVALID_TEXT"
    TEXT_TOO_LONG = "TEXT_TOO_LONG"
    IN_USE = "IN_USE"
    INVALID_FILE = "INVALID_FILE"


@dataclass
class Problem:
    code: ErrorCode
    message: str
    # Path of the input field at fault, e.g. ["input", "email"].
    field: list[str] = field(default_factory=list)


class UserFacingError(Exception):
    """One or more expected failures; the mutation returns them as userErrors."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)


class Forbidden(UserFacingError):
    def __init__(self, message: str = "Your API key's role may not do this.") -> None:
        super().__init__(Problem(ErrorCode.FORBIDDEN, message))


def not_found(what: str, field_path: list[str]) -> UserFacingError:
    # The same words whether the id is missing or belongs to another org.
    return UserFacingError(Problem(ErrorCode.NOT_FOUND, f"{what} not found.", field_path))

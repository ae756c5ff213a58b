"""Cleaning and validating the values users type: text, numbers, emails, phone numbers."""

import math
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from documents import text
from documents.contact_values import normalize_email, normalize_phone
from resolvers.errors import ErrorCode, Problem, UserFacingError

# Money and other decimals: finite, below a trillion, at most 6 decimal places
# (a unit price may carry fractions of a cent; Decimal128 holds all of these exactly).
MAX_DECIMAL = Decimal("1e12")
MAX_DECIMAL_PLACES = 6


def clean_text(value: str | None) -> str | None:
    """Text as stored (NFC, no control characters, see documents.text), trimmed;
    blank becomes None.
    """
    if value is None:
        return None
    value = text.clean_text(value).strip()
    return value or None


def camel(name: str) -> str:
    """The GraphQL spelling of an input field: site_address -> siteAddress."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def input_problems(value: Any, path: list[str]) -> list[Problem]:
    """What no stored field may hold, anywhere in an input (a change dict as
    `schema.inputs.to_changes` makes it, or one argument): control characters,
    text over its cap, numbers that are not finite or out of range. Each
    problem names the camelCase path of the value.
    """
    problems: list[Problem] = []
    if isinstance(value, dict):
        for key, item in value.items():
            problems += input_problems(item, [*path, camel(key)])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems += input_problems(item, [*path, str(index)])
    elif isinstance(value, str):
        problems += _text_problems(value, path)
    elif isinstance(value, Decimal):
        problem = decimal_problem(value)
        if problem:
            problems.append(Problem(ErrorCode.INVALID_NUMBER, problem, path))
    elif isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(ErrorCode.INVALID_NUMBER, "The number must be finite.", path))
    return problems


def require_valid_input(value: Any, path: list[str]) -> None:
    """Raise the `input_problems` of `value` as userErrors, if there are any."""
    problems = input_problems(value, path)
    if problems:
        raise UserFacingError(*problems)


def _text_problems(value: str, path: list[str]) -> list[Problem]:
    field = path[-1] if path else ""
    problems = []
    bad = text.unstorable_character(value)
    if bad:
        problems.append(Problem(
            ErrorCode.INVALID_TEXT,
            f"{field or 'The text'} holds a control character ({bad}); only tabs and line "
            "breaks are allowed.", path))
    limit = text.text_limit(_snake(field))
    if len(value) > limit:
        problems.append(Problem(
            ErrorCode.TEXT_TOO_LONG,
            f"{field or 'The text'} has {len(value):,} characters; at most {limit:,}.", path))
    return problems


def _snake(name: str) -> str:
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in name)


def decimal_problem(value: Decimal) -> str | None:
    """Why a decimal cannot be stored, or None."""
    if not value.is_finite():
        return "The number must be finite (not NaN or Infinity)."
    if abs(value) >= MAX_DECIMAL:
        return f"The number must be below {MAX_DECIMAL:,.0f} in size."
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES and value != value.quantize(
            Decimal(1).scaleb(-MAX_DECIMAL_PLACES)):
        return f"The number has more than {MAX_DECIMAL_PLACES} decimal places."
    return None


def bounded(value: float | Decimal | None, low: float | Decimal, high: float | Decimal,
            message: str, path: list[str]) -> Problem | None:
    """A problem when `value` is set and outside [low, high]."""
    if value is None or low <= value <= high:
        return None
    return Problem(ErrorCode.INVALID_NUMBER, message, path)


def clean_email(value: str | None, field: list[str]) -> str | Problem | None:
    value = clean_text(value)
    if value is None:
        return None
    try:
        return normalize_email(value)
    except ValueError as exc:
        return Problem(ErrorCode.INVALID_EMAIL, str(exc), field)


def clean_phone(value: str | None, region: str, field: list[str]) -> str | Problem | None:
    """E.164 form of a phone number; numbers without a country code are read in `region`."""
    value = clean_text(value)
    if value is None:
        return None
    try:
        return normalize_phone(value, region)
    except ValueError as exc:
        return Problem(ErrorCode.INVALID_PHONE, str(exc), field)


def apply_contact_details(
    target: BaseModel, changes: dict[str, Any], region: str, problems: list[Problem]
) -> None:
    """Set the email and phone fields of `target` that `changes` names, if valid;
    invalid ones are added to `problems` and leave the stored value alone.
    """
    for key in ("email", "phone", "mobile"):
        if key not in changes or key not in type(target).model_fields:
            continue
        field = ["input", key]
        value = (
            clean_email(changes[key], field)
            if key == "email"
            else clean_phone(changes[key], region, field)
        )
        if isinstance(value, Problem):
            problems.append(value)
            continue
        setattr(target, key, value)
        if key != "email" and hasattr(target, "typed_phones"):
            # What the API stores is E.164 (or nothing): no longer a phone kept as typed.
            target.typed_phones = [k for k in target.typed_phones if k != key]

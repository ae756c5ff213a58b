"""Cleaning and validating the values users type: text, emails, phone numbers."""

from typing import Any

from pydantic import BaseModel

from documents.contact_values import normalize_email, normalize_phone
from resolvers.errors import ErrorCode, Problem


def clean_text(value: str | None) -> str | None:
    """Trimmed text; blank becomes None."""
    if value is None:
        return None
    value = value.strip()
    return value or None


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

"""Cleaning and validating the values users type: text, emails, phone numbers."""

from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel

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
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        return Problem(ErrorCode.INVALID_EMAIL, f"{value!r} is not a valid email: {exc}", field)


def clean_phone(value: str | None, region: str, field: list[str]) -> str | Problem | None:
    """E.164 form of a phone number; numbers without a country code are read in `region`."""
    value = clean_text(value)
    if value is None:
        return None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        return Problem(ErrorCode.INVALID_PHONE, f"{value!r} is not a valid phone number.", field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national_variants(phones: list[str | None]) -> list[str]:
    """National spellings of stored E.164 phones, so search finds "0412 345 678"."""
    variants = []
    for phone in phones:
        if phone:
            try:
                number = phonenumbers.parse(phone)
            except phonenumbers.NumberParseException:
                continue
            variants.append(
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            )
    return variants


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
        else:
            setattr(target, key, value)

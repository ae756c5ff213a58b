"""The stored forms of emails and phone numbers (raise ValueError with a reason)."""

import phonenumbers
from email_validator import EmailNotValidError, validate_email


def normalize_email(value: str) -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"{value!r} is not a valid email: {exc}") from None


def normalize_phone(value: str, region: str) -> str:
    """E.164 form; numbers without a country code are read in `region`."""
    try:
        number = phonenumbers.parse(value.strip(), region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValueError(f"{value!r} is not a valid phone number.")
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

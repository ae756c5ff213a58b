"""The stored forms of emails and phone numbers (raise ValueError with a reason)."""

import re

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

# Plain ASCII addresses, the great majority, are checked by one regex: an import
# of 50,000 customers would otherwise spend seconds in email_validator. Anything
# the regex does not vouch for (quotes, Unicode, IDNA, odd top-level domains)
# goes to email_validator, whose answer is the rule; tests hold the two equal.
_PLAIN_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*)"
    r"@(?P<domain>(?:(?!..--)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?P<tld>[A-Za-z]{2,63}))"
)
_SPECIAL_USE = frozenset(SPECIAL_USE_DOMAIN_NAMES)


def normalize_email(value: str) -> str:
    value = value.strip()
    plain = _PLAIN_EMAIL.fullmatch(value)
    if (plain and len(plain["local"]) <= 64 and len(value) <= 254
            and plain["tld"].lower() not in _SPECIAL_USE):
        return f"{plain['local']}@{plain['domain'].lower()}"
    try:
        return validate_email(value, check_deliverability=False).normalized
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

"""The stored forms of emails and phone numbers (raise ValueError with a reason)."""

import re
from dataclasses import dataclass
from functools import cache

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from phonenumbers import geocoder

from documents import phone_fast_path

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


@dataclass(frozen=True)
class PhoneReading:
    """A phone as it will be stored: E.164 (with `;ext=N` for an extension) when
    the number is valid in the region it was read in, else the text as typed.
    """

    stored: str
    normalized: bool


# Where a stored phone is kept as typed, its owner lists the field here (see
# Customer.typed_phones): "+6112345" typed is not the E.164 number it looks like.
def read_phone(value: str, region: str) -> PhoneReading:
    """The stored form of a phone: never a different number than the one typed."""
    typed = value.strip()
    # The common shapes, exactly as read_phone_slowly reads them but several times faster.
    fast = phone_fast_path.e164(typed, region)
    if fast is not None:
        return PhoneReading(fast, True)
    return read_phone_slowly(typed, region)


def read_phone_slowly(typed: str, region: str) -> PhoneReading:
    """read_phone through phonenumbers alone: the rule the fast path is held to."""
    try:
        number = phonenumbers.parse(typed, region)
    except phonenumbers.NumberParseException:
        return PhoneReading(typed, False)
    if not phonenumbers.is_valid_number(number):
        return PhoneReading(typed, False)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return PhoneReading(f"{e164};ext={number.extension}" if number.extension else e164, True)


def normalize_phone(value: str, region: str) -> str:
    """E.164 form (an extension kept as `;ext=N`) of a number a person types in
    the API; numbers without a country code are read in `region`. Stricter than
    an import needs to be only in what it refuses: ValueError when the number is
    not even possible there (the person can fix it at once).
    """
    typed = value.strip()
    try:
        number = phonenumbers.parse(typed, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValueError(f"{typed!r} is not a valid phone number in {region} "
                         "(give its country code, e.g. +44 20 7946 0958).")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{e164};ext={number.extension}" if number.extension else e164


@cache  # built once, on first use
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for region in phonenumbers.SUPPORTED_REGIONS:
        names[region.casefold()] = region
        for language in ("en", "de", "fr", "es", "it", "pt", "nl"):
            name = geocoder._region_display_name(region, language)
            if name:
                names.setdefault(" ".join(name.casefold().split()), region)
    # Short forms people write that no display name spells.
    for name, region in (("usa", "US"), ("u.s.a.", "US"), ("u.s.", "US"), ("uk", "GB"),
                         ("u.k.", "GB"), ("england", "GB"), ("scotland", "GB"),
                         ("wales", "GB"), ("great britain", "GB"), ("uae", "AE")):
        names.setdefault(name, region)
    return names


def region_of_country(country: str | None) -> str | None:
    """The region code of a country as a person writes it ("Germany", "DE",
    "Deutschland", "USA"), or None when it is not one.
    """
    if not country:
        return None
    return _country_names().get(" ".join(country.casefold().split()))


def national_variants(phones: list[str | None]) -> list[str]:
    """National spellings of stored E.164 phones, so search finds "0412 345 678"."""
    variants = []
    for phone in phones:
        if phone:
            try:
                number = phonenumbers.parse(phone, None)
            except phonenumbers.NumberParseException:
                continue
            variants.append(
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            )
    return variants

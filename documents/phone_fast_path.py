"""A fast path for the common shapes of phone numbers, exact or silent.

An import spent most of its CPU in `phonenumbers.parse`, which runs dozens of
regular expressions per number to handle every shape a person can write. Most
cells are the same few shapes: digits in groups separated by spaces, dots,
dashes or parentheses, maybe a leading `+`. For those, in the regions below,
`e164` does the steps `phonenumbers.parse` + `is_valid_number` would do, with
phonenumbers' own metadata, and answers only when the number is valid there:
anything it does not vouch for (letters, extensions, international prefixes
such as 00 or 0011, a country code typed without `+`, carrier codes, another
country's number, a number that is not valid) returns None, and the caller asks
phonenumbers. tests/test_phone_fast_path.py holds the two equal on generated
inputs of each region.
"""

import re
from dataclasses import dataclass

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE
from phonenumbers.phonemetadata import PhoneMetadata, PhoneNumberDesc

# The regions whose national numbers the fast path reads (the README names them).
FAST_REGIONS = ("AU", "NZ", "US", "GB", "DE")

# Digits with the separators people type, and at most one leading "+". Nothing
# here can start an extension in phonenumbers' grammar (that needs a letter,
# "#", "~", "," or ";"), and every character is one phonenumbers drops.
_PLAIN_SHAPE = re.compile(r"\+?[0-9 .()-]+")
_NOT_DIGITS = re.compile(r"[^0-9]")
# phonenumbers refuses longer input outright (_MAX_INPUT_STRING_LENGTH).
_MAX_INPUT = 250
# Country codes are at most 3 digits (phonenumbers' _MAX_LENGTH_COUNTRY_CODE).
_MAX_COUNTRY_CODE = 3

# Every kind of number is_valid_number accepts (_number_type_helper's list).
_NUMBER_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number",
                 "pager", "uan", "voicemail", "fixed_line", "mobile")


def _matches_length(desc: PhoneNumberDesc, length: int) -> bool:
    return not desc.possible_length or length in desc.possible_length


@dataclass(frozen=True)
class _Plan:
    """What the fast path needs of one region's metadata, compiled once."""

    country_code: int
    # As phonenumbers' _maybe_strip_i18n_prefix_and_normalize and
    # _maybe_strip_national_prefix_carrier_code read them.
    international_prefix: re.Pattern[str]
    national_prefix: re.Pattern[str] | None
    # Per length of national number: one pattern that matches exactly the
    # numbers _number_type_helper gives a type (general_desc, then any type).
    valid: dict[int, tuple[re.Pattern[str], re.Pattern[str]]]

    @classmethod
    def of(cls, region: str) -> "_Plan | None":
        metadata = PhoneMetadata.metadata_for_region(region, None)
        if (metadata is None or metadata.country_code is None
                or metadata.national_prefix_transform_rule):
            return None
        # is_valid_number asks the first region of the country code that gives
        # the number a type; the fast path only speaks for that first region.
        regions = COUNTRY_CODE_TO_REGION_CODE.get(metadata.country_code, ())
        if not regions or regions[0] != region or metadata.leading_digits is not None:
            return None
        general = metadata.general_desc
        if general is None or not general.national_number_pattern:
            return None
        valid: dict[int, tuple[re.Pattern[str], re.Pattern[str]]] = {}
        for length in general.possible_length:
            if length < 1:
                continue
            patterns = []
            for name in _NUMBER_TYPES:
                desc = getattr(metadata, name)
                if desc is not None and desc.national_number_pattern and _matches_length(
                        desc, length):
                    patterns.append(f"(?:{desc.national_number_pattern})")
            if patterns:
                valid[length] = (re.compile(general.national_number_pattern),
                                 re.compile("|".join(patterns)))
        national = metadata.national_prefix_for_parsing
        return cls(
            country_code=metadata.country_code,
            international_prefix=re.compile(metadata.international_prefix or "(?!)"),
            national_prefix=re.compile(national) if national else None,
            valid=valid,
        )

    def is_valid(self, national: str) -> bool:
        patterns = self.valid.get(len(national))
        return (patterns is not None and patterns[0].fullmatch(national) is not None
                and patterns[1].fullmatch(national) is not None)

    def national_significant(self, digits: str) -> str | None:
        """The national significant number of `digits` (no country code), as
        parse() leaves it, when that number is valid; None when unsure.
        """
        prefix = self.national_prefix.match(digits) if self.national_prefix else None
        if prefix is not None:
            if any(group is not None for group in prefix.groups()):
                return None  # a carrier code (AU 1831, ...): phonenumbers' business
            # parse() strips the prefix when what is left is a possible number;
            # a valid one always is.
            national = digits[prefix.end():]
        else:
            national = digits
        # A leading zero would be an "Italian leading zero", not kept the same way.
        if not national or national[0] == "0" or not self.is_valid(national):
            return None
        return national


def _plans() -> tuple[dict[str, _Plan], dict[int, _Plan]]:
    by_region: dict[str, _Plan] = {}
    for region in FAST_REGIONS:
        plan = _Plan.of(region)
        if plan is not None:
            by_region[region] = plan
    return by_region, {plan.country_code: plan for plan in by_region.values()}


_BY_REGION, _BY_COUNTRY_CODE = _plans()


def e164(typed: str, region: str) -> str | None:
    """The E.164 form of `typed` (already stripped) read in `region`, exactly as
    phonenumbers would store it, when the fast path is sure the number is valid;
    None means "ask phonenumbers".
    """
    plan = _BY_REGION.get(region)
    if plan is None or len(typed) > _MAX_INPUT or not _PLAIN_SHAPE.fullmatch(typed):
        return None
    digits = _NOT_DIGITS.sub("", typed)
    if typed[0] == "+":
        # As _extract_country_code: the shortest prefix that is a country code.
        if len(digits) <= 2 or digits[0] == "0":
            return None
        for size in range(1, _MAX_COUNTRY_CODE + 1):
            if int(digits[:size]) in COUNTRY_CODE_TO_REGION_CODE:
                break
        else:
            return None
        number_plan = _BY_COUNTRY_CODE.get(int(digits[:size]))
        rest = digits[size:]
        if number_plan is None or len(rest) < 2:
            return None
    else:
        # An international prefix (0011, 00, 011) or the region's own country
        # code typed without "+" are read by rules the fast path leaves alone.
        if (len(digits) < 2 or plan.international_prefix.match(digits)
                or digits.startswith(str(plan.country_code))):
            return None
        number_plan, rest = plan, digits
    national = number_plan.national_significant(rest)
    return None if national is None else f"+{number_plan.country_code}{national}"

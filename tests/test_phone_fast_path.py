"""The phone fast path stores exactly what phonenumbers would, on generated inputs.

For each region the fast path reads, 20,000+ inputs of the shapes people type
(and the tricky ones): read_phone (fast path first) must give the same stored
value and the same kept-as-typed decision as phonenumbers alone, extensions
included.
"""

import random

import phonenumbers
import pytest
from phonenumbers import PhoneNumberType

from documents.contact_values import PhoneReading, read_phone, read_phone_slowly
from documents.phone_fast_path import FAST_REGIONS, e164

INPUTS_PER_REGION = 20_000
TYPES = [PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE,
         PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST, PhoneNumberType.VOIP,
         PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.PAGER, PhoneNumberType.UAN]
IDD = {"AU": ["0011", "0014"], "NZ": ["00", "0161"], "US": ["011"], "GB": ["00"], "DE": ["00"]}
OTHER_COUNTRY_CODES = ["61", "64", "1", "44", "49", "33", "353", "81", "7", "0", "999"]
EXTENSIONS = [" x123", " x 4", "x12", " ext. 4", " ext 123", " extension 77", " #5", " ;ext=9",
              ",,12", " ~3", "# 8", " ext.", " x", " X1234567890"]
LETTERS = ["1300 FLOWERS", "call {}", "{} (mobile)", "{} mob", "tel: {}", "{}a", "O{}", "{} / x2",
           "{} or {}", "ph {}"]


def national_numbers(region: str, rng: random.Random) -> list[str]:
    """National significant numbers near each kind of valid number of `region`:
    the example number with its tail redrawn, plus digits from anywhere.
    """
    examples = []
    for kind in TYPES:
        number = phonenumbers.example_number_for_type(region, kind)
        if number is not None:
            examples.append(phonenumbers.national_significant_number(number))
    out = []
    for _ in range(1500):
        example = rng.choice(examples)
        keep = rng.randint(1, len(example))
        tail = "".join(rng.choice("0123456789") for _ in range(len(example) - keep))
        out.append(example[:keep] + tail)
    for _ in range(300):  # invalid ranges, too short and too long
        out.append("".join(rng.choice("0123456789") for _ in range(rng.randint(1, 18))))
    return out


def spaced(digits: str, rng: random.Random) -> str:
    """Digits in groups with separators people type."""
    separator = rng.choice([" ", " ", "-", ".", "", "  ", " - ", "/"])
    out, at = [], 0
    while at < len(digits):
        size = rng.randint(1, 4)
        out.append(digits[at:at + size])
        at += size
    if len(out) > 1 and rng.random() < 0.3:
        out[0] = f"({out[0]})"
    return separator.join(out)


def typed_forms(region: str, national: str, rng: random.Random) -> str:
    trunk = {"US": "1"}.get(region, "0")
    code = str(phonenumbers.country_code_for_region(region))
    shape = rng.randrange(14)
    if shape == 0:
        body = national
    elif shape in (1, 2, 3):
        body = spaced(trunk + national, rng)
    elif shape == 4:
        body = spaced(national, rng)
    elif shape in (5, 6):
        body = "+" + spaced(code + national, rng)
    elif shape == 7:
        body = "+" + code + " (0) " + spaced(national, rng)
    elif shape == 8:
        body = spaced(rng.choice(IDD[region] + ["00", "011"]) + code + national, rng)
    elif shape == 9:
        body = spaced(code + national, rng)
    elif shape == 10:
        body = "+" + spaced(rng.choice(OTHER_COUNTRY_CODES) + national, rng)
    elif shape == 11:
        body = spaced(trunk + national, rng) + rng.choice(EXTENSIONS)
    elif shape == 12:
        body = rng.choice(LETTERS).format(spaced(trunk + national, rng),
                                          spaced(trunk + national, rng))
    else:
        body = rng.choice([
            "+", "++" + code + national, "+ " + code + " " + national, "0", "00",
            f" {trunk}{national} ", f"\t{trunk}{national}", f"{trunk}{national}.",
            f"-{trunk}{national}", f"({trunk}{national})", f"{trunk}{national})",
            "\u0660\u0664\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",
            "\uff10\uff14\uff11\uff12 \uff13\uff14\uff15 \uff16\uff17\uff18",
            f"+{code}{national}" + " " * 250,
            " ".join(f"{trunk}{national}") + " " * rng.randint(0, 250), f"{trunk}{national}#",
            f"{code}-{national}", f"+{code}-0-{national}", f"+{code}{trunk}{national}",
            f"({code}) {national}", f"+({code}) {national}", f"{trunk}{national}/{national}",
            f"{trunk}{national};phone-context=+{code}", f"tel:+{code}{national}",
        ])
    return body


def generated(region: str) -> list[str]:
    rng = random.Random(f"phones-{region}")  # noqa: S311 - seeded: the same inputs every run
    numbers = national_numbers(region, rng)
    return [typed_forms(region, rng.choice(numbers), rng) for _ in range(INPUTS_PER_REGION)]


@pytest.mark.parametrize("region", FAST_REGIONS)
def test_the_fast_path_stores_what_phonenumbers_stores(region: str) -> None:
    inputs = generated(region)
    differ, fast, valid = [], 0, set()
    for typed in inputs:
        expected = read_phone_slowly(typed.strip(), region)
        got = read_phone(typed, region)
        if got != expected:
            differ.append((typed, got, expected))
        fast += e164(typed.strip(), region) is not None
        if got.normalized:
            valid.add(got.stored)
    assert differ == [], differ[:20]
    # The fast path must really answer for the common shapes, and the inputs
    # must hold many distinct valid numbers, or this proves nothing.
    assert fast > len(inputs) // 8, fast
    assert len(valid) > 1000, len(valid)


@pytest.mark.parametrize(("typed", "region", "stored"), [
    ("0412 345 678", "AU", "+61412345678"),
    ("(07) 3000 1234", "AU", "+61730001234"),
    ("+64 21 123 4567", "AU", "+64211234567"),
    ("(201) 555-0123", "US", "+12015550123"),
    ("020 7946 0958", "GB", "+442079460958"),
    ("030 123456", "DE", "+4930123456"),
])
def test_common_shapes_take_the_fast_path(typed: str, region: str, stored: str) -> None:
    assert e164(typed, region) == stored
    assert read_phone(typed, region) == PhoneReading(stored, True)


@pytest.mark.parametrize(("typed", "region"), [
    ("0412 345 678 x12", "AU"),  # an extension
    ("0011 61 412 345 678", "AU"),  # an international prefix
    ("61 412 345 678", "AU"),  # the country code without "+"
    ("1300 FLOWERS", "AU"),  # letters
    ("0412 345", "AU"),  # too short: kept as typed by phonenumbers
    ("0412 345 678", "FR"),  # a region the fast path does not read
])
def test_other_shapes_are_left_to_phonenumbers(typed: str, region: str) -> None:
    assert e164(typed, region) is None
    assert read_phone(typed, region) == read_phone_slowly(typed, region)

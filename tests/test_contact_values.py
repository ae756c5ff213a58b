"""The regex that checks plain emails quickly must agree with email_validator,
which stays the rule: same verdict, same stored form, for every address tried.
"""

import random

import pytest
from email_validator import EmailNotValidError, validate_email

from documents.contact_values import normalize_email


def validator_says(address: str) -> str | None:
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def we_say(address: str) -> str | None:
    try:
        return normalize_email(address)
    except ValueError:
        return None


@pytest.mark.parametrize("address", [
    "Ann.Lee+crm@Example.COM", "a_b%c@x.co", "x@sub.Domain.com.au", "a@x.c0m",
    "a..b@x.com", ".a@x.com", "a.@x.com", "a@x", "a@1.2.3.4", "a@x.123", "a@x-.com",
    "a@-x.com", "a@xn--abc.com", "a@ab--c.com", "a@b.test", "a@localhost", "a@x.onion",
    "o'brien@example.com", '"quoted"@example.com', "émile@example.fr", "a@bücher.de",
    "  padded@example.com ", "a" * 65 + "@example.com", "a@" + "b" * 64 + ".com",
    "a@" + ("b" * 60 + ".") * 5 + "com",
])
def test_known_addresses_read_as_email_validator_reads_them(address: str) -> None:
    assert we_say(address) == validator_says(address)


def test_random_addresses_read_as_email_validator_reads_them() -> None:
    shuffle = random.Random(20261122)  # noqa: S311 (a repeatable sample, not a secret)
    local_chars = "aZ9._%+-'!"
    domain_chars = "aZ9.-_"
    disagreements = []
    for _ in range(20_000):
        local = "".join(shuffle.choices(local_chars, k=shuffle.randint(0, 8)))
        domain = "".join(shuffle.choices(domain_chars, k=shuffle.randint(0, 10)))
        tld = shuffle.choice(["com", "au", "c0", "test", "x", "9z", ""])
        address = f"{local}@{domain}.{tld}" if tld else f"{local}@{domain}"
        if we_say(address) != validator_says(address):
            disagreements.append(address)
    assert disagreements == []
    assert we_say("Plain.Name@Example.Com") == "Plain.Name@example.com"

"""Applying a customer input (create or update) to a customer document.

Inputs arrive as dicts holding only the fields the caller set, in the
document's own field names; a None value clears the field.
"""

from typing import Any

from documents.customer import Address, Customer
from documents.lookups import CustomerType, LeadSource, Lookup, PaymentTerm, PriceLevel, User
from documents.text import CUSTOM_FIELDS_LIMIT, custom_key_problem, name_key
from resolvers.actor import Actor
from resolvers.billing import billing_arrangement
from resolvers.errors import ErrorCode, Problem, UserFacingError
from resolvers.values import apply_contact_details, bounded, camel, clean_text, input_problems

_TEXT_FIELDS = ("first_name", "last_name", "company_name", "account_number")
# field -> (lookup document, error code, input field name, words for messages)
_LOOKUPS: dict[str, tuple[type[Lookup], ErrorCode, str, str]] = {
    "customer_type_id": (
        CustomerType, ErrorCode.UNKNOWN_CUSTOMER_TYPE, "customerTypeId", "customer type"),
    "lead_source_id": (LeadSource, ErrorCode.UNKNOWN_LEAD_SOURCE, "leadSourceId", "lead source"),
    "payment_term_id": (
        PaymentTerm, ErrorCode.UNKNOWN_PAYMENT_TERM, "paymentTermId", "payment term"),
    "price_level_id": (PriceLevel, ErrorCode.UNKNOWN_PRICE_LEVEL, "priceLevelId", "price level"),
    "assigned_user_id": (User, ErrorCode.UNKNOWN_USER, "assignedUserId", "user"),
}


def default_name(customer: Customer) -> str | None:
    """The name a customer gets when none is given: company, else first and last name."""
    if customer.company_name:
        return customer.company_name
    person = " ".join(p for p in (customer.first_name, customer.last_name) if p)
    return person or None


def merged_address(current: Address, changes: dict[str, Any] | None, path: list[str],
                   problems: list[Problem]) -> Address:
    """`current` with the fields `changes` sets (a field left out keeps its value,
    None clears it); `changes` None clears the whole address.
    """
    if changes is None:
        return Address()
    merged = current.model_dump()
    for key, value in changes.items():
        merged[key] = clean_text(value) if isinstance(value, str) else value
    for key, limit in (("latitude", 90), ("longitude", 180)):
        problem = bounded(merged.get(key) if key in changes else None, -limit, limit,
                          f"The {key} is between -{limit} and {limit}.", [*path, key])
        if problem:
            problems.append(problem)
    return Address.model_validate(merged)


async def apply_customer_input(actor: Actor, customer: Customer, changes: dict[str, Any]) -> None:
    problems: list[Problem] = input_problems(changes, ["input"])
    for key in _TEXT_FIELDS:
        if key in changes:
            setattr(customer, key, clean_text(changes[key]))
    apply_contact_details(customer, changes, actor.settings.default_region, problems)
    for key, (document, code, label, words) in _LOOKUPS.items():
        if key in changes:
            value = changes[key]
            if value is not None and await document.count_in(actor.org_id, {"_id": value}) == 0:
                problems.append(Problem(code, f"No such {words}.", ["input", label]))
            else:
                setattr(customer, key, value)
    for key in ("site_address", "billing_address"):
        if key in changes:
            setattr(customer, key, merged_address(
                getattr(customer, key), changes[key], ["input", camel(key)], problems))
    if "billing_same_as_site" in changes:
        customer.billing_same_as_site = bool(changes["billing_same_as_site"])
    if "custom_fields" in changes:
        customer.custom_fields = custom_fields(
            customer.custom_fields, changes["custom_fields"], problems)
    if "billing" in changes:
        try:
            customer.billing = None if changes["billing"] is None else await billing_arrangement(
                actor, customer.id, changes["billing"], customer.billing)
        except UserFacingError as exc:
            problems.extend(exc.problems)
    if "archived" in changes:
        customer.archived = bool(changes["archived"])
    name = clean_text(changes["name"]) if "name" in changes else customer.name
    name = name or default_name(customer)
    if not name:
        problems.append(
            Problem(
                ErrorCode.REQUIRED,
                "A customer needs a name (or a company name, or a first or last name).",
                ["input", "name"],
            )
        )
    else:
        customer.name = name
        customer.name_key = name_key(name)
    if problems:
        raise UserFacingError(*problems)


def custom_fields(current: dict[str, str], entries: list[dict[str, Any]] | None,
                  problems: list[Problem]) -> dict[str, str]:
    """`current` with each entry's key set to its value (a null or blank value
    removes the key); `entries` None removes every custom field.
    """
    if entries is None:
        return {}
    fields = dict(current)
    for index, entry in enumerate(entries):
        key = clean_text(entry.get("key"))
        path = ["input", "customFields", str(index), "key"]
        if not key:
            problems.append(Problem(ErrorCode.REQUIRED, "A custom field needs a key.", path))
            continue
        if (problem := custom_key_problem(key)) is not None:
            problems.append(Problem(ErrorCode.INVALID_TEXT, problem, path))
            continue
        value = clean_text(entry.get("value"))
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value
    if len(fields) > CUSTOM_FIELDS_LIMIT:
        problems.append(Problem(
            ErrorCode.INVALID, f"A customer has at most {CUSTOM_FIELDS_LIMIT} custom fields; "
            f"this would make {len(fields)}.", ["input", "customFields"]))
    return fields


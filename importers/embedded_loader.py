"""Sites, contacts and equipment from rows: each row names its customer, and
the item is matched within that customer's list (or added to it).

One `$in` query loads the batch's customers; each changed customer is
replaced once, guarded by its version, in one unordered bulk_write.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pymongo import ReplaceOne

from documents.base import utcnow
from documents.customer import Contact, Customer, Equipment, Site
from documents.import_job import ImportMode
from documents.text import name_key
from importers.batch import BatchCounts, bulk_write
from importers.context import LoadContext
from importers.rows import SourceRow

Item = Site | Contact | Equipment


@dataclass(frozen=True)
class EmbeddedKind:
    label: str  # "site"
    owner_field: str  # the row field naming the customer
    owner_error: str
    items: Callable[[Customer], list[Any]]
    required: Callable[[dict[str, Any]], str | None]  # what a row lacks, if anything
    find: Callable[[Customer, dict[str, Any]], Any | None]
    new: Callable[[dict[str, Any]], Any]
    apply: Callable[[Customer, Any, dict[str, Any]], None]
    # What is wrong with the row for this customer (code, message, field), if anything.
    check: Callable[[Customer, dict[str, Any]], tuple[str, str, str] | None] = (
        lambda customer, values: None)


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and name_key(a or "") == name_key(b or "")


def _set(item: BaseModel, values: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        if key in values:
            setattr(item, key, values[key])


# Sites: matched by name, else by address line 1; a site named only by its
# address (as in the seed guide's column B) is named after it.
def _site_name(values: dict[str, Any]) -> str:
    return str(values.get("name") or values["address.line1"])


def _apply_site(_: Customer, site: Site, values: dict[str, Any]) -> None:
    site.name = _site_name(values)
    _set(site, values, ("contact_name", "phone", "email", "notes"))
    changes = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("address.")}
    if changes:
        site.address = site.address.model_copy(update=changes)


SITES = EmbeddedKind(
    label="site", owner_field="billing_customer", owner_error="BILLING_CUSTOMER_NOT_FOUND",
    items=lambda c: c.sites,
    required=lambda v: None if v.get("name") or v.get("address.line1")
    else "The row has no Site Name or Address Line 1.",
    find=lambda c, v: next((s for s in c.sites if _same(s.name, _site_name(v))), None)
    or next((s for s in c.sites if _same(s.address.line1, v.get("address.line1"))), None),
    new=lambda v: Site(name=_site_name(v)),
    apply=lambda c, s, v: _apply_site(c, s, v),
)


# Contacts: matched by email, else first and last name; one primary per customer.
def _contact_key(contact: Contact) -> str:
    return name_key(f"{contact.first_name or ''} {contact.last_name or ''}")


def _find_contact(customer: Customer, values: dict[str, Any]) -> Contact | None:
    if values.get("email"):
        return next((c for c in customer.contacts if _same(c.email, values["email"])), None)
    wanted = name_key(f"{values.get('first_name', '')} {values.get('last_name', '')}")
    return next((c for c in customer.contacts if _contact_key(c) == wanted), None)


def _apply_contact(customer: Customer, contact: Contact, values: dict[str, Any]) -> None:
    _set(contact, values, ("first_name", "last_name", "role", "email", "phone", "mobile",
                           "is_primary"))
    if values.get("is_primary"):
        for other in customer.contacts:
            if other is not contact:
                other.is_primary = False


CONTACTS = EmbeddedKind(
    label="contact", owner_field="customer", owner_error="CUSTOMER_NOT_FOUND",
    items=lambda c: c.contacts,
    required=lambda v: None if v.get("first_name") or v.get("last_name") or v.get("email")
    else "The row has no first name, last name or email.",
    find=_find_contact,
    new=lambda v: Contact(),
    apply=lambda c, x, v: _apply_contact(c, x, v),
)


# Equipment: matched by serial number, else name and site.
def _site_id(customer: Customer, values: dict[str, Any]) -> Any:
    site = next((s for s in customer.sites if _same(s.name, values.get("site"))), None)
    return None if site is None else site.id


def _find_equipment(customer: Customer, values: dict[str, Any]) -> Equipment | None:
    if values.get("serial_number"):
        return next((e for e in customer.equipment
                     if _same(e.serial_number, values["serial_number"])), None)
    site_id = _site_id(customer, values)
    return next((e for e in customer.equipment
                 if _same(e.name, values["name"]) and e.site_id == site_id), None)


def _check_equipment(customer: Customer, values: dict[str, Any]) -> tuple[str, str, str] | None:
    if values.get("site") and _site_id(customer, values) is None:
        return "UNKNOWN_SITE", f"{customer.name} has no site named {values['site']!r}.", "site"
    return None


def _apply_equipment(customer: Customer, item: Equipment, values: dict[str, Any]) -> None:
    if values.get("site"):
        item.site_id = _site_id(customer, values)
    _set(item, values, ("name", "make", "model", "serial_number", "install_date",
                        "warranty_expiry"))


EQUIPMENT = EmbeddedKind(
    label="equipment", owner_field="customer", owner_error="CUSTOMER_NOT_FOUND",
    items=lambda c: c.equipment,
    required=lambda v: None if v.get("name") else "The row has no Equipment Name.",
    find=_find_equipment,
    new=lambda v: Equipment(name=v["name"]),
    apply=_apply_equipment,
    check=_check_equipment,
)


async def load_embedded(kind: EmbeddedKind, ctx: LoadContext,
                        rows: list[SourceRow]) -> BatchCounts:
    counts = BatchCounts()
    ready: list[SourceRow] = []
    for row in rows:
        if not row.problems and kind.owner_field not in row.values:
            row.fail("REQUIRED", f"The row names no {kind.owner_field.replace('_', ' ')}.",
                     kind.owner_field)
        elif not row.problems and (lacking := kind.required(row.values)):
            row.fail("REQUIRED", lacking)
        (counts.failed if row.problems else ready).append(row)
    keys = sorted({name_key(r.values[kind.owner_field]) for r in ready})
    customers = {doc.name_key: doc for doc in await Customer.find_any(
        ctx.org_id, "name_key", keys)}
    versions = {key: doc.version for key, doc in customers.items()}
    touched: set[str] = set()
    for row in ready:
        owner_name = row.values[kind.owner_field]
        customer = customers.get(name_key(owner_name))
        if customer is None:
            row.fail(kind.owner_error, f"No customer named {owner_name!r}.", kind.owner_field)
            counts.failed.append(row)
            continue
        item = kind.find(customer, row.values)
        exists = item is not None
        if problem := kind.check(customer, row.values):
            row.fail(*problem)
        elif ctx.mode is ImportMode.CREATE_ONLY and exists:
            row.fail("ALREADY_EXISTS", f"{customer.name} already has this {kind.label}.")
        elif ctx.mode is ImportMode.UPDATE_ONLY and not exists:
            row.fail("NOT_FOUND", f"{customer.name} has no such {kind.label} to update.")
        if row.problems:
            counts.failed.append(row)
            continue
        snapshot = customer.model_dump()
        if item is None:
            item = kind.new(row.values)
            kind.items(customer).append(item)
        kind.apply(customer, item, row.values)
        if not exists:
            counts.created += 1
        elif customer.model_dump() != snapshot:
            counts.updated += 1
        else:
            counts.unchanged += 1
            continue
        if isinstance(item, Site):
            item.updated_at = utcnow()
        touched.add(customer.name_key)
    operations = []
    for key in touched:
        customer = customers[key]
        customer.prepare_for_save()
        customer.version = versions[key] + 1
        operations.append(ReplaceOne(
            Customer.scoped(ctx.org_id, {"_id": customer.id, "version": versions[key]}),
            customer.to_mongo()))

    async def write(ctx: LoadContext) -> None:
        await bulk_write(ctx, Customer.collection(), operations)

    counts.keys, counts.write = set(keys), write
    return counts

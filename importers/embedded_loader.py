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
from documents.text import name_key
from importers.batch import BatchCounts, bulk_write, mode_problem
from importers.context import LoadContext
from importers.issues import RowIssueCode, RowOutcome
from importers.rows import SourceRow, assign

Item = Site | Contact | Equipment


@dataclass(frozen=True)
class EmbeddedKind:
    label: str  # "site"
    owner_field: str  # the row field naming the customer
    owner_error: RowIssueCode
    items: Callable[[Customer], list[Any]]
    required: Callable[[dict[str, Any]], str | None]  # what a row lacks, if anything
    # The stored item a row is about: (index of the customer's items, row values).
    find: Callable[["ItemIndex", dict[str, Any]], Any | None]
    new: Callable[[dict[str, Any]], Any]
    apply: Callable[[Customer, Any, dict[str, Any]], None]
    # What is wrong with the row for this customer (code, message, field), if anything.
    check: Callable[[Customer, Any | None, dict[str, Any]],
                    tuple[RowIssueCode, str, str] | None] = (
        lambda customer, item, values: None)
    # The keys an item is found by (see ItemIndex).
    keys: Callable[[Any], list[str]] = lambda item: []


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and name_key(a or "") == name_key(b or "")


def _set(item: BaseModel, values: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        if key in values:
            assign(item, key, values[key])


class ItemIndex:
    """One customer's sites, contacts or equipment by the keys rows find them by,
    built once per batch: a row finds its item in constant time, whatever the
    customer's size.
    """

    def __init__(self, kind: "EmbeddedKind", customer: Customer) -> None:
        self.kind, self.customer = kind, customer
        self.by_key: dict[str, Any] = {}
        for item in kind.items(customer):
            self.add(item)

    def add(self, item: Any) -> None:
        for key in self.kind.keys(item):
            self.by_key.setdefault(key, item)

    def get(self, key: str | None) -> Any | None:
        return None if key is None else self.by_key.get(key)


def _k(*parts: str | None) -> str:
    return "\x1f".join(name_key(part or "") for part in parts)


# Sites: a named row matches the customer's site of that name, never another;
# a row without a name matches by its whole address (line 1, suburb, postcode),
# and a new one is named after its address.
def _site_keys(site: Site) -> list[str]:
    address = site.address
    return [_k("name", site.name), _k("address", address.line1, address.suburb,
                                      address.postcode)]


def _find_site(index: ItemIndex, values: dict[str, Any]) -> Site | None:
    if values.get("name"):
        found: Site | None = index.get(_k("name", values["name"]))
        return found
    by_address: Site | None = index.get(_k("address", values.get("address.line1"),
                                            values.get("address.suburb"),
                                            values.get("address.postcode")))
    return by_address


def _new_site_name(index: ItemIndex, values: dict[str, Any]) -> str:
    if values.get("name"):
        return str(values["name"])
    line1, suburb = str(values["address.line1"]), values.get("address.suburb")
    if index.get(_k("name", line1)) is None or not suburb:
        return line1
    return f"{line1}, {suburb}"  # another site of the customer is named "line1"


def _check_site(customer: Customer, site: Site | None,
                values: dict[str, Any]) -> tuple[RowIssueCode, str, str] | None:
    suburb = values.get("address.suburb")
    if site is not None and suburb and site.address.suburb and (
            name_key(suburb) != name_key(site.address.suburb)):
        return (RowIssueCode.SITE_ADDRESS_CONFLICT,
                f"{customer.name}'s site {site.name!r} is in {site.address.suburb}; this row "
                f"puts it in {suburb}. To move it, edit the site; to add another, give the "
                "row another Site Name.", "address.suburb")
    return None


def _apply_site(_: Customer, site: Site, values: dict[str, Any]) -> None:
    _set(site, values, ("contact_name", "phone", "email", "notes"))
    changes = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("address.")}
    if changes:
        site.address = site.address.model_copy(update=changes)


SITES = EmbeddedKind(
    label="site", owner_field="billing_customer",
    owner_error=RowIssueCode.BILLING_CUSTOMER_NOT_FOUND,
    items=lambda c: c.sites,
    required=lambda v: None if v.get("name") or v.get("address.line1")
    else "The row has no Site Name or Address Line 1.",
    find=_find_site,
    new=lambda v: Site(name=v["name"]),
    apply=_apply_site,
    check=_check_site,
    keys=_site_keys,
)


# Contacts: matched by email, else first and last name; one primary per customer.
def _contact_key(contact: Contact) -> str:
    return name_key(f"{contact.first_name or ''} {contact.last_name or ''}")


def _find_contact(index: ItemIndex, values: dict[str, Any]) -> Contact | None:
    found: Contact | None
    if values.get("email"):
        found = index.get(_k("email", values["email"]))
    else:
        found = index.get(_k("person", f"{values.get('first_name', '')} "
                                       f"{values.get('last_name', '')}"))
    return found


def _contact_keys(contact: Contact) -> list[str]:
    keys = [_k("person", _contact_key(contact))]
    return [_k("email", contact.email), *keys] if contact.email else keys


def _apply_contact(customer: Customer, contact: Contact, values: dict[str, Any]) -> None:
    _set(contact, values, ("first_name", "last_name", "role", "email", "phone", "mobile",
                           "is_primary"))
    if values.get("is_primary"):
        for other in customer.contacts:
            if other is not contact:
                other.is_primary = False


CONTACTS = EmbeddedKind(
    label="contact", owner_field="customer", owner_error=RowIssueCode.CUSTOMER_NOT_FOUND,
    items=lambda c: c.contacts,
    required=lambda v: None if v.get("first_name") or v.get("last_name") or v.get("email")
    else "The row has no first name, last name or email.",
    find=_find_contact,
    new=lambda v: Contact(),
    apply=lambda c, x, v: _apply_contact(c, x, v),
    keys=_contact_keys,
)


# Equipment: matched by serial number, else name and site.
def _site_id(customer: Customer, values: dict[str, Any]) -> Any:
    site = next((s for s in customer.sites if _same(s.name, values.get("site"))), None)
    return None if site is None else site.id


def _equipment_keys(item: Equipment) -> list[str]:
    keys = [_k("named", item.name, str(item.site_id or ""))]
    return [_k("serial", item.serial_number), *keys] if item.serial_number else keys


def _find_equipment(index: ItemIndex, values: dict[str, Any]) -> Equipment | None:
    found: Equipment | None
    if values.get("serial_number"):
        found = index.get(_k("serial", values["serial_number"]))
    else:
        site_id = _site_id(index.customer, values)
        found = index.get(_k("named", values["name"], str(site_id or "")))
    return found


def _check_equipment(customer: Customer, item: Equipment | None,
                     values: dict[str, Any]) -> tuple[RowIssueCode, str, str] | None:
    if values.get("site") and _site_id(customer, values) is None:
        return (RowIssueCode.UNKNOWN_SITE, f"{customer.name} has no site named "
                f"{values['site']!r}.", "site")
    return None


def _apply_equipment(customer: Customer, item: Equipment, values: dict[str, Any]) -> None:
    if values.get("site"):
        item.site_id = _site_id(customer, values)
    _set(item, values, ("name", "make", "model", "serial_number", "install_date",
                        "warranty_expiry"))


EQUIPMENT = EmbeddedKind(
    label="equipment", owner_field="customer", owner_error=RowIssueCode.CUSTOMER_NOT_FOUND,
    items=lambda c: c.equipment,
    required=lambda v: None if v.get("name") else "The row has no Equipment Name.",
    find=_find_equipment,
    new=lambda v: Equipment(name=v["name"]),
    apply=_apply_equipment,
    check=_check_equipment,
    keys=_equipment_keys,
)


def _owner(kind: EmbeddedKind, values: dict[str, Any]) -> tuple[str, str] | None:
    """How the row names its customer: ("name", key) or ("account", key)."""
    if values.get(kind.owner_field):
        return "name", name_key(values[kind.owner_field])
    if values.get("customer_account_number"):
        return "account", name_key(values["customer_account_number"])
    return None


async def load_embedded(kind: EmbeddedKind, ctx: LoadContext,
                        rows: list[SourceRow]) -> BatchCounts:
    counts = BatchCounts()
    owners = {r.number: _owner(kind, r.values) for r in rows}
    names = {key for how, key in filter(None, owners.values()) if how == "name"}
    accounts = {key for how, key in filter(None, owners.values()) if how == "account"}
    found = {c.id: c for c in await Customer.find_any(ctx.org_id, "name_key", names)}
    found |= {c.id: c for c in await Customer.find_any(ctx.org_id, "account_key", accounts)}
    by_owner: dict[tuple[str, str], Customer] = {}
    for customer in found.values():
        by_owner[("name", customer.name_key)] = customer
        if customer.account_key:
            by_owner[("account", customer.account_key)] = customer
    versions = {c.id: c.version for c in found.values()}
    indexes: dict[Any, ItemIndex] = {}
    touched: dict[Any, Customer] = {}
    for row in rows:
        counts.record(row, _load_row(kind, ctx, row, owners[row.number], by_owner, indexes,
                                     touched))
    operations = []
    for customer in touched.values():
        customer.prepare_for_save()
        customer.version = versions[customer.id] + 1
        operations.append(ReplaceOne(
            Customer.scoped(ctx.org_id, {"_id": customer.id, "version": versions[customer.id]}),
            customer.to_mongo()))

    async def write(ctx: LoadContext) -> None:
        await bulk_write(ctx, Customer.collection(), operations)

    counts.keys = names | {f"#{a}" for a in accounts} | {c.name_key for c in found.values()}
    counts.write = write
    return counts


def _load_row(kind: EmbeddedKind, ctx: LoadContext, row: SourceRow,
              owner: tuple[str, str] | None, by_owner: dict[tuple[str, str], Customer],
              indexes: dict[Any, ItemIndex], touched: dict[Any, Customer]) -> RowOutcome:
    values = row.values
    if owner is None:
        row.fail(RowIssueCode.REQUIRED, f"The row names no {kind.owner_field.replace('_', ' ')}.",
                 kind.owner_field)
    elif (lacking := kind.required(values)) is not None:
        row.fail(RowIssueCode.REQUIRED, lacking)
    customer = None if owner is None else by_owner.get(owner)
    if owner is not None and customer is None:
        named = values.get(kind.owner_field) or values.get("customer_account_number")
        how = "named" if owner[0] == "name" else "with account number"
        row.fail(kind.owner_error, f"No customer {how} {named!r}.",
                 kind.owner_field if owner[0] == "name" else "customer_account_number")
    if customer is None or row.problems:
        return RowOutcome.FAILED
    index = indexes.get(customer.id)
    if index is None:
        index = indexes[customer.id] = ItemIndex(kind, customer)
    item = kind.find(index, values)
    if problem := kind.check(customer, item, values):
        row.fail(*problem)
    mode_problem(ctx, row, item is not None, f"{customer.name}'s {kind.label}")
    if row.problems:
        return RowOutcome.FAILED
    before = None if item is None else item.model_dump()
    if item is None:
        if kind is SITES:
            values = {**values, "name": _new_site_name(index, values)}
        item = kind.new(values)
        kind.items(customer).append(item)
    kind.apply(customer, item, values)
    index.add(item)
    if before is not None and item.model_dump() == before:
        return RowOutcome.UNCHANGED
    if isinstance(item, Site):
        item.updated_at = utcnow()
    touched[customer.id] = customer
    return RowOutcome.CREATED if before is None else RowOutcome.UPDATED

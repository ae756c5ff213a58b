"""Customers from rows: matched by name (the unique identifier), a batch at a time.

One `$in` query finds the batch's customers and the billing customers it
names; one unordered bulk_write stores the batch. An empty cell never erases a
stored value; a row that changes nothing is counted unchanged and not written.
"""

from typing import Any

from beanie import PydanticObjectId
from pymongo import InsertOne, ReplaceOne

from documents.customer import Address, BillingArrangement, Customer
from documents.import_job import ImportMode
from documents.name_fences import NameFences
from documents.text import name_key
from importers.batch import BatchCounts, bulk_write
from importers.context import LOOKUP_FIELDS, LoadContext
from importers.rows import SourceRow

_TEXT = ("company_name", "first_name", "last_name", "email", "phone", "mobile", "account_number")


NAME_FIELDS = ("name", "company_name", "first_name", "last_name")


def row_name(values: dict[str, Any]) -> str | None:
    """The customer name of a row: the name, else the company, else first and last name."""
    if values.get("name"):
        return str(values["name"])
    if values.get("company_name"):
        return str(values["company_name"])
    person = " ".join(str(values[k]) for k in ("first_name", "last_name") if values.get(k))
    return person or None


def _address(current: Address, values: dict[str, Any], prefix: str) -> Address:
    changes = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith(prefix + ".")}
    return current.model_copy(update=changes) if changes else current


async def _apply(ctx: LoadContext, customer: Customer, row: SourceRow,
                 billing_ids: dict[str, PydanticObjectId], counts: BatchCounts) -> None:
    values = row.values
    for key in _TEXT:
        if key in values:
            setattr(customer, key, values[key])
    for kind, (_, _, code) in LOOKUP_FIELDS.items():
        if kind in values:
            found = await ctx.lookup(kind, values[kind])
            if found is None:
                row.fail(code, f"No {kind.replace('_', ' ')} named {values[kind]!r}.", kind)
            else:
                setattr(customer, f"{kind}_id", found)
    customer.site_address = _address(customer.site_address, values, "site_address")
    customer.billing_address = _address(customer.billing_address, values, "billing_address")
    if "billing_same_as_site" in values:
        customer.billing_same_as_site = bool(values["billing_same_as_site"])
    if row.custom:
        customer.custom_fields = {**customer.custom_fields, **row.custom}
    billing_name = values.get("billing_customer")
    if billing_name is not None:
        billing_key = name_key(billing_name)
        if billing_key == customer.name_key:
            row.fail("BILLING_CUSTOMER_SELF", "A customer cannot bill itself.", "billing_customer")
        elif billing_key in billing_ids:
            customer.billing = BillingArrangement(
                billing_customer_id=billing_ids[billing_key],
                care_of_name=values.get("care_of_name"),
                account_number=values.get("billing_account_number"),
            )
        elif billing_key in ctx.names_in_file:
            counts.deferred_links.append((customer.name_key, billing_key))
        else:
            row.fail("BILLING_CUSTOMER_NOT_FOUND",
                     f"No customer named {billing_name!r} in the database or the file.",
                     "billing_customer")


async def load_customers(ctx: LoadContext, rows: list[SourceRow]) -> BatchCounts:
    counts = BatchCounts()
    named: list[tuple[SourceRow, str]] = []
    for row in rows:
        name = row_name(row.values)
        if row.problems:
            counts.failed.append(row)
        elif name is None:
            row.fail("REQUIRED", "The row has no customer name, company name, or first or "
                     "last name.", "name")
            counts.failed.append(row)
        else:
            named.append((row, name))
    keys = {name_key(name) for _, name in named}
    keys |= {name_key(r.values["billing_customer"]) for r, _ in named
             if r.values.get("billing_customer")}
    stored = {doc.name_key: doc for doc in await Customer.find_any(
        ctx.org_id, "name_key", keys)}
    billing_ids = {key: doc.id for key, doc in stored.items() if doc.id}
    working: dict[str, tuple[Customer, int | None]] = {}  # key -> (customer, stored version)
    outcome: dict[str, str] = {}
    for row, name in named:
        key = name_key(name)
        if key in working:
            customer = working[key][0]
        elif key in stored:
            if ctx.mode is ImportMode.CREATE_ONLY:
                row.fail("ALREADY_EXISTS", f"A customer named {name!r} already exists.", "name")
                counts.failed.append(row)
                continue
            customer = stored[key].model_copy(deep=True)
            working[key] = (customer, customer.version)
        else:
            if ctx.mode is ImportMode.UPDATE_ONLY:
                row.fail("NOT_FOUND", f"No customer named {name!r} to update.", "name")
                counts.failed.append(row)
                continue
            new_id = PydanticObjectId()
            customer = Customer(id=new_id, org_id=ctx.org_id, name=name, name_key=key)
            working[key] = (customer, None)
            billing_ids[key] = new_id  # later rows may bill to it
        before = customer.model_dump(exclude={"updated_at"})
        await _apply(ctx, customer, row, billing_ids, counts)
        if row.problems:
            counts.failed.append(row)
            continue
        changed = customer.model_dump(exclude={"updated_at"}) != before
        outcome[key] = outcome.get(key) or ("created" if working[key][1] is None else "unchanged")
        if changed and outcome[key] == "unchanged":
            outcome[key] = "updated"
    counts.keys = keys
    operations = _operations(ctx, working, outcome, counts)

    async def write(ctx: LoadContext) -> None:
        written = await bulk_write(ctx, Customer.collection(), operations)
        if written is not None and written.inserted_count:
            await NameFences.note_added(ctx.org_id, written.inserted_count)

    counts.write = write
    return counts


def _operations(ctx: LoadContext, working: dict[str, tuple[Customer, int | None]],
                outcome: dict[str, str], counts: BatchCounts
                ) -> list[InsertOne[Any] | ReplaceOne[Any]]:
    operations: list[InsertOne[Any] | ReplaceOne[Any]] = []
    for key, result in outcome.items():
        customer, version = working[key]
        if result == "unchanged":
            counts.unchanged += 1
            continue
        customer.prepare_for_save()
        if version is None:
            customer.created_at = customer.updated_at
            operations.append(InsertOne(customer.to_mongo()))
            counts.created += 1
        else:
            customer.version = version + 1
            operations.append(ReplaceOne(
                Customer.scoped(ctx.org_id, {"_id": customer.id, "version": version}),
                customer.to_mongo()))
            counts.updated += 1
    return operations

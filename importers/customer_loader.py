"""Customers from rows, a batch at a time: matched by name (the unique
identifier) or by their own account number (`matchBy`).

A few `$in` queries find the batch's customers and the billing customers it
names; one unordered bulk_write stores the batch. An empty cell never erases a
stored value. Each row is counted once: a later row about the same customer is
applied after the earlier one, and counted updated or unchanged.
"""

from dataclasses import dataclass, field
from typing import Any

from beanie import PydanticObjectId
from pymongo import InsertOne, ReplaceOne

from documents.customer import Address, BillingArrangement, Customer
from documents.import_job import MatchBy
from documents.name_fences import NameFences
from documents.text import name_key
from importers.batch import BatchCounts, bulk_write, mode_problem, store_entries
from importers.context import LOOKUP_FIELDS, LoadContext
from importers.issues import RowIssueCode, RowOutcome
from importers.row_keys import customer_name
from importers.rows import SourceRow, assign

__all__ = ["load_customers", "row_name"]

_TEXT = ("company_name", "first_name", "last_name", "email", "phone", "mobile", "account_number")
# A chain of billing customers longer than this is a data error, not an arrangement.
_MAX_CHAIN = 50


def row_name(values: dict[str, Any]) -> str | None:
    """The customer name of a row: the name, else the company, else first and last name."""
    return customer_name(lambda key: str(values[key]) if values.get(key) else None)


def _address(current: Address, values: dict[str, Any], prefix: str) -> Address:
    changes = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith(prefix + ".")}
    return current.model_copy(update=changes) if changes else current


@dataclass
class _Batch:
    """The batch's customers as read, then as its rows change them."""

    by_name: dict[str, Customer] = field(default_factory=dict)
    by_account: dict[str, Customer] = field(default_factory=dict)
    by_id: dict[Any, Customer] = field(default_factory=dict)
    versions: dict[Any, int | None] = field(default_factory=dict)  # None: new
    touched: dict[Any, Customer] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)

    def add(self, customer: Customer, version: int | None) -> Customer:
        self.by_id[customer.id] = customer
        self.by_name[customer.name_key] = customer
        if customer.account_number:
            self.by_account[name_key(customer.account_number)] = customer
        self.versions.setdefault(customer.id, version)
        return customer


async def _read(ctx: LoadContext, rows: list[SourceRow]) -> _Batch:
    names = {name_key(name) for r in rows if (name := row_name(r.values))}
    names |= {name_key(r.values["billing_customer"]) for r in rows
              if r.values.get("billing_customer")}
    accounts = {name_key(r.values["account_number"]) for r in rows
                if r.values.get("account_number")}
    batch = _Batch(keys=names | {f"#{a}" for a in accounts})
    found = {c.id: c for c in await Customer.find_any(ctx.org_id, "name_key", names)}
    found |= {c.id: c for c in await Customer.find_any(ctx.org_id, "account_key", accounts)}
    for customer in found.values():
        batch.add(customer, customer.version)
    return batch


async def load_customers(ctx: LoadContext, rows: list[SourceRow]) -> BatchCounts:
    counts = BatchCounts()
    batch = await _read(ctx, rows)
    for row in rows:
        outcome = await _load_row(ctx, batch, row)
        counts.record(row, outcome)
        ctx.settle(row.lookup_ids, landed=not row.problems)
    counts.keys = batch.keys
    operations = _operations(ctx, batch)
    created = [c.name_key for c in batch.touched.values() if batch.versions[c.id] is None]
    entries = ctx.new_entries({getattr(c, f"{kind}_id") for c in batch.touched.values()
                               for kind in LOOKUP_FIELDS} - {None})

    async def write(ctx: LoadContext) -> None:
        ctx.landed.update(created)
        await store_entries(ctx, entries)
        written = await bulk_write(ctx, Customer.collection(), operations)
        if written is not None and written.inserted_count:
            await NameFences.note_added(ctx.org_id, written.inserted_count)

    counts.write = write
    return counts


def _match(ctx: LoadContext, batch: _Batch, row: SourceRow) -> tuple[Customer | None, str]:
    """The customer the row is about (None: a new one), and what to call it."""
    if ctx.match_by is MatchBy.ACCOUNT_NUMBER:
        account = row.values.get("account_number")
        if not account:
            row.fail(RowIssueCode.REQUIRED, "Matching by account number: the row has no "
                     "Account Number.", "account_number")
            return None, ""
        return batch.by_account.get(name_key(account)), f"Account number {account!r}"
    name = row_name(row.values)
    if name is None:
        row.fail(RowIssueCode.REQUIRED, "The row has no customer name, company name, or "
                 "first or last name.", "name")
        return None, ""
    return batch.by_name.get(name_key(name)), f"A customer named {name!r}"


async def _load_row(ctx: LoadContext, batch: _Batch, row: SourceRow) -> RowOutcome:
    values = row.values
    stored, what = _match(ctx, batch, row)
    if row.problems and not what:
        return RowOutcome.FAILED
    mode_problem(ctx, row, stored is not None, what, "name")
    name = row_name(values)
    if stored is None:
        if name is None:
            row.fail(RowIssueCode.REQUIRED, "A new customer needs a name.", "name")
            return RowOutcome.FAILED
        customer = Customer(id=PydanticObjectId(), org_id=ctx.org_id,
                            name=" ".join(name.split()), name_key=name_key(name))
        if customer.name_key in batch.by_name:  # matched by account number, name taken
            row.fail(RowIssueCode.NAME_TAKEN, f"Another customer is named {name!r}.", "name")
    else:
        customer = stored.model_copy(deep=True)
    before = None if stored is None else stored.model_dump(exclude={"updated_at"})
    if name is not None and name_key(name) != customer.name_key:  # matched by account number
        other = batch.by_name.get(name_key(name))
        if other is not None:
            row.fail(RowIssueCode.NAME_TAKEN, f"Another customer is named {name!r}.", "name")
        customer.name, customer.name_key = " ".join(name.split()), name_key(name)
    await _apply(ctx, batch, customer, row)
    if row.problems:
        return RowOutcome.FAILED
    if stored is not None and customer.name_key != stored.name_key:
        batch.by_name.pop(stored.name_key, None)
    if stored is not None and stored.account_number and (
            customer.account_number != stored.account_number):
        batch.by_account.pop(name_key(stored.account_number), None)
    batch.add(customer, None)
    if before is None:
        batch.touched[customer.id] = customer
        return RowOutcome.CREATED
    if customer.model_dump(exclude={"updated_at"}) != before:
        batch.touched[customer.id] = customer
        return RowOutcome.UPDATED
    return RowOutcome.UNCHANGED


async def _apply(ctx: LoadContext, batch: _Batch, customer: Customer, row: SourceRow) -> None:
    """Sets the row's values on `customer`, failing the row for each reference
    that can't be resolved (all of them at once, with its cell problems).
    """
    values = row.values
    for key in _TEXT:
        if key in values:
            assign(customer, key, values[key])
    account = values.get("account_number")
    if account and (other := batch.by_account.get(name_key(account))) is not None and (
            other.id != customer.id):
        row.fail(RowIssueCode.ACCOUNT_NUMBER_TAKEN,
                 f"Account number {account!r} is {other.name}'s.", "account_number")
    for kind, (_, _, code) in LOOKUP_FIELDS.items():
        if kind in values:
            found = await ctx.lookup(kind, values[kind])
            if found is None:
                row.fail(RowIssueCode(code), f"No {kind.replace('_', ' ')} named "
                         f"{values[kind]!r}.", kind)
            else:
                setattr(customer, f"{kind}_id", found)
                row.lookup_ids.add(found)
    customer.site_address = _address(customer.site_address, values, "site_address")
    customer.billing_address = _address(customer.billing_address, values, "billing_address")
    if "billing_same_as_site" in values:
        customer.billing_same_as_site = bool(values["billing_same_as_site"])
    if row.custom:
        customer.custom_fields = {**customer.custom_fields, **row.custom}
    await _apply_billing(ctx, batch, customer, row)


async def _apply_billing(ctx: LoadContext, batch: _Batch, customer: Customer,
                         row: SourceRow) -> None:
    values = row.values
    details = {k: values[v] for k, v in (("care_of_name", "care_of_name"),
                                         ("account_number", "billing_account_number"))
               if v in values}
    billing_name = values.get("billing_customer")
    if billing_name is None:
        if details and customer.billing is not None:
            customer.billing = customer.billing.model_copy(update=details)
        for key in details:
            if customer.billing is None:
                source = "care_of_name" if key == "care_of_name" else "billing_account_number"
                row.warn(RowIssueCode.VALUE_NOT_STORED,
                         f"{values[source]!r} was not stored: it belongs to a billing "
                         "arrangement, and the row names no Billing Customer.", source)
        return
    billing_key = name_key(billing_name)
    if any(p.field == "billing_customer" for p in row.problems):
        return  # already failed on its billing customer (a cycle within the file)
    if billing_key == customer.name_key:
        row.fail(RowIssueCode.BILLING_CUSTOMER_SELF, "A customer cannot bill itself.",
                 "billing_customer")
        return
    target = batch.by_name.get(billing_key)
    if target is None:
        first = ctx.customer_rows.get(billing_key)
        if ctx.dry_run and billing_key in ctx.landed:  # "created" by this dry run
            customer.billing = BillingArrangement(billing_customer_id=PydanticObjectId(),
                                                  **details)
        elif first is not None:
            # Its row came first (rows billed to a later row wait for it), and failed.
            row.fail(RowIssueCode.BILLING_CUSTOMER_FAILED,
                     f"Row {first[1]}, which adds billing customer {billing_name!r}, failed: "
                     "fix it and import both again.", "billing_customer")
        else:
            row.fail(RowIssueCode.BILLING_CUSTOMER_NOT_FOUND,
                     f"No customer named {billing_name!r} in the database or the file.",
                     "billing_customer")
        return
    if await _bills_to(ctx, batch, target, customer.id):
        row.fail(RowIssueCode.BILLING_CYCLE,
                 f"{target.name} is itself billed (directly or through others) to "
                 f"{customer.name}: linking them would make a cycle.", "billing_customer")
        return
    current = customer.billing
    if current is not None and current.billing_customer_id == target.id:
        customer.billing = current.model_copy(update=details)
    else:
        customer.billing = BillingArrangement(billing_customer_id=target.id, **details)


async def _bills_to(ctx: LoadContext, batch: _Batch, start: Customer,
                    customer_id: Any) -> bool:
    """Whether `start`'s chain of billing customers reaches `customer_id`."""
    current: Customer | None = start
    for _ in range(_MAX_CHAIN):
        if current is None or current.billing is None:
            return False
        if current.id == customer_id:
            return True
        following = current.billing.billing_customer_id
        if following == customer_id:
            return True
        current = batch.by_id.get(following) or await Customer.get_in(ctx.org_id, following)
    return False


def _operations(ctx: LoadContext, batch: _Batch) -> list[InsertOne[Any] | ReplaceOne[Any]]:
    operations: list[InsertOne[Any] | ReplaceOne[Any]] = []
    for customer in batch.touched.values():
        version = batch.versions[customer.id]
        customer.prepare_for_save()
        if version is None:
            customer.created_at = customer.updated_at
            operations.append(InsertOne(customer.to_mongo()))
        else:
            customer.version = version + 1
            operations.append(ReplaceOne(
                Customer.scoped(ctx.org_id, {"_id": customer.id, "version": version}),
                customer.to_mongo()))
    return operations

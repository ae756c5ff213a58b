"""Products and product lines from rows, a batch at a time.

Products are matched by import id. A product line is matched by its ID (so a
file imported twice changes nothing); its customer is found by name, or
created; its product by import id. Its price is its own Unit Price and Amount
when given, else the catalog's (see importers/money.py). A new line books its
amount; a renewal books nothing and links to the customer's latest line of the
same product that no line renews yet. One query per kind of document, one
bulk_write.

Whatever a row holds (a term of 100,000 months, an end in 9999, a quantity of
1e999999), it fails that row with a code: every value is range-checked here
as well as in rows.py, so no date or schedule computed from it is unbounded.
"""

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from beanie import PydanticObjectId
from pymongo import InsertOne, ReplaceOne, ReturnDocument

from documents.base import utcnow
from documents.customer import Customer
from documents.name_fences import NameFences
from documents.product import Booking, Product, ProductLine, Sequence, currency_code
from documents.text import name_key
from importers.batch import BatchCounts, bulk_write, mode_problem
from importers.context import LoadContext
from importers.money import MONEY_MAX, QUANTITY_MAX, PriceError, bounds_problem, line_price
from importers.rows import SourceRow
from importers.schedules import (
    MAX_TERM_MONTHS,
    ScheduleError,
    billing_plan,
    date_problem,
    months_between,
    revenue_schedule,
    term_end,
    term_problem,
)

Write = InsertOne[Any] | ReplaceOne[Any]


def _mode_problem(ctx: LoadContext, row: SourceRow, exists: bool, what: str) -> bool:
    """Whether the import's mode fails the row (importers.batch applies it)."""
    return mode_problem(ctx, row, exists, what) or bool(row.problems)


def _blank(value: Any) -> bool:
    """True for a missing or blank text (a key that would match nothing)."""
    return not isinstance(value, str) or not name_key(value)


_PRODUCT_FIELDS = ("name", "recurring", "unit_price", "currency", "term_months", "active")


async def load_products(ctx: LoadContext, rows: list[SourceRow]) -> BatchCounts:
    counts = BatchCounts()
    ready: list[tuple[SourceRow, dict[str, Any]]] = []  # with the fields it sets
    for row in rows:
        values = row.values
        fields = {name: values[name] for name in _PRODUCT_FIELDS if name in values}
        if not row.problems and _blank(values.get("import_id")):
            row.fail("REQUIRED", "The row has no Import ID.", "import_id")
        if "name" in values and _blank(values["name"]):
            row.fail("REQUIRED", "Product Name cannot be blank.", "name")
        if "unit_price" in values and (
                problem := bounds_problem(values["unit_price"], "Unit Price", MONEY_MAX)):
            row.fail("INVALID_NUMBER", problem, "unit_price")
        if "term_months" in values and (problem := term_problem(values["term_months"])):
            row.fail("INVALID_TERM", problem, "term_months")
        if "currency" in values:
            try:
                fields["currency"] = currency_code(values["currency"])
            except ValueError as exc:
                row.fail("INVALID_CURRENCY", str(exc), "currency")
        if row.problems:
            counts.failed.append(row)
        else:
            ready.append((row, fields))
    stored = {p.import_key: p for p in await Product.find_any(
        ctx.org_id, "import_key", [name_key(r.values["import_id"]) for r, _ in ready])}
    working: dict[str, tuple[Product, bool]] = {}  # key -> (product, stored?)
    outcome: dict[str, str] = {}
    for row, fields in ready:
        values = row.values
        key = name_key(values["import_id"])
        if key not in working:
            existing = stored.get(key)
            if _mode_problem(ctx, row, existing is not None,
                             f"Product {values['import_id']!r}"):
                counts.failed.append(row)
                continue
            if existing is None and not values.get("name"):
                row.fail("REQUIRED", "A new product needs a Product Name.", "name")
                counts.failed.append(row)
                continue
            working[key] = (existing.model_copy(deep=True), True) if existing else (
                Product(id=PydanticObjectId(), org_id=ctx.org_id, import_id=values["import_id"],
                        import_key=key, name=values["name"]), False)
        product, was_stored = working[key]
        before = product.model_dump(exclude={"updated_at"})
        for name, value in fields.items():
            setattr(product, name, value)
        changed = product.model_dump(exclude={"updated_at"}) != before
        # Each row counts once; a later row of the same product is applied after the first.
        result = ("created" if key not in outcome and not was_stored
                  else "updated" if changed else "unchanged")
        setattr(counts, result, getattr(counts, result) + 1)
        first = outcome.get(key) or ("unchanged" if was_stored else "created")
        outcome[key] = "updated" if changed and first == "unchanged" else first
    operations: list[Write] = []
    for key, result in outcome.items():
        product, was_stored = working[key]
        if result == "unchanged":
            continue
        product.prepare_for_save()
        operations.append(ReplaceOne(Product.scoped(ctx.org_id, {"_id": product.id}),
                                     product.to_mongo()) if was_stored
                          else InsertOne(product.to_mongo()))

    async def write(ctx: LoadContext) -> None:
        await bulk_write(ctx, Product.collection(), operations)

    counts.keys, counts.write = set(stored) | set(working), write
    return counts


@dataclass
class _LineBatch:
    """What a batch of product lines reads once and changes in memory."""

    ctx: LoadContext
    products: dict[str, Product]
    customers: dict[str, Customer]
    lines: dict[str, ProductLine]  # by line key: stored, and created in this batch
    renewable: dict[tuple[Any, Any], list[ProductLine]]  # (customer, product) -> lines
    new_customers: list[Customer] = field(default_factory=list)
    changed: dict[Any, ProductLine] = field(default_factory=dict)  # id -> line to write
    stored_ids: set[Any] = field(default_factory=set)

    def customer(self, name: str) -> Customer:
        """The customer named `name`, or a new one (this import is how a finance
        team establishes its customers), kept once a row of it succeeds.
        """
        key = name_key(name)
        if key in self.customers:
            return self.customers[key]
        customer = Customer(id=PydanticObjectId(), org_id=self.ctx.org_id,
                            name=" ".join(name.split()), name_key=key)
        customer.prepare_for_save()
        customer.created_at = customer.updated_at
        return customer

    def keep(self, customer: Customer) -> None:
        if customer.name_key not in self.customers:
            self.customers[customer.name_key] = customer
            self.new_customers.append(customer)

    def renew(self, line: ProductLine) -> ProductLine | None:
        """The line `line` renews: the latest of its customer's lines of the
        same product that nothing renews yet (kept when already linked).
        """
        group = self.renewable.get((line.customer_id, line.product_id), [])
        current = next((c for c in group if c.id == line.renews_id), None)
        if current is not None and current.renewed_by_id in (None, line.id):
            return current
        waiting = [c for c in group if c.id != line.id and c.renewed_by_id is None]
        return max(waiting, key=lambda c: (c.start_date, c.seq), default=None)


async def _named_by_account(ctx: LoadContext, rows: list[SourceRow]) -> list[SourceRow]:
    """The rows, those that name their customer by its account number only given
    its name (new rows: the rows given are left as they are).
    """
    wanted = {name_key(r.values["customer_account_number"]) for r in rows
              if not r.values.get("customer") and r.values.get("customer_account_number")}
    if not wanted:
        return rows
    names = {c.account_key: c.name for c in await Customer.find_any(
        ctx.org_id, "account_key", wanted)}
    named = []
    for row in rows:
        account = row.values.get("customer_account_number")
        if row.values.get("customer") or not account:
            named.append(row)
        elif (name := names.get(name_key(account))) is not None:
            named.append(replace(row, values={**row.values, "customer": name}))
        else:
            failed = replace(row, problems=list(row.problems))
            failed.fail("CUSTOMER_NOT_FOUND", f"No customer with account number {account!r}.",
                        "customer_account_number")
            named.append(failed)
    return named


async def load_product_lines(ctx: LoadContext, rows: list[SourceRow]) -> BatchCounts:
    counts = BatchCounts()
    ready: list[SourceRow] = []
    rows = await _named_by_account(ctx, rows)
    for row in rows:
        values = row.values
        for key, label in (("line_id", "ID"), ("customer", "Customer"), ("product", "Product"),
                           ("quantity", "Quantity")):
            if not row.problems and (key not in values if key == "quantity"
                                     else _blank(values.get(key))):
                row.fail("REQUIRED", f"The row has no {label}.", key)
        _check_line_values(row)
        (counts.failed if row.problems else ready).append(row)
    batch = await _read_batch(ctx, ready)
    for row in ready:
        result = _apply_line(batch, row)
        if result is None:
            counts.failed.append(row)
        else:
            setattr(counts, result, getattr(counts, result) + 1)
    # What later batches depend on: the customers' lines (renewals) and the lines.
    counts.keys = {name_key(r.values[k]) for r in ready for k in ("customer", "line_id")}

    async def write(ctx: LoadContext) -> None:
        await _write_batch(ctx, batch)

    counts.write = write
    return counts


_LINE_DATES = (("billing_date", "Billing Date"), ("booking_date", "Booking Date"),
               ("start_date", "Start Date"), ("end_date", "End Date"))


def _check_line_values(row: SourceRow) -> None:
    """Fails the row for each value out of range (rows.py checks them too; the
    loader's computations rely on them).
    """
    values = row.values
    quantity = values.get("quantity")
    if quantity is not None and (not quantity.is_finite() or quantity <= 0):
        row.fail("INVALID_QUANTITY", f"Quantity must be positive, not {quantity}.", "quantity")
    elif quantity is not None and (problem := bounds_problem(quantity, "Quantity",
                                                             QUANTITY_MAX)):
        row.fail("INVALID_QUANTITY", problem, "quantity")
    for key, label in _LINE_DATES:
        if key in values and (problem := date_problem(values[key], label)):
            row.fail("INVALID_DATE", problem, key)
    if "term_months" in values and (problem := term_problem(values["term_months"])):
        row.fail("INVALID_TERM", problem, "term_months")


async def _read_batch(ctx: LoadContext, rows: list[SourceRow]) -> _LineBatch:
    products = {p.import_key: p for p in await Product.find_any(
        ctx.org_id, "import_key", [name_key(r.values["product"]) for r in rows])}
    customers = {c.name_key: c for c in await Customer.find_any(
        ctx.org_id, "name_key", [name_key(r.values["customer"]) for r in rows])}
    lines = {line.line_key: line for line in await ProductLine.find_any(
        ctx.org_id, "line_key", [name_key(r.values["line_id"]) for r in rows])}
    # Lines a renewal may link to: those of the renewing customers.
    renewing = {customers[k].id for r in rows if r.values.get("renewal")
                if (k := name_key(r.values["customer"])) in customers}
    renewing |= {line.customer_id for line in lines.values() if line.renews_id}
    renewable: dict[tuple[Any, Any], list[ProductLine]] = {}
    for line in [*await ProductLine.find_any(ctx.org_id, "customer_id", renewing),
                 *lines.values()]:
        group = renewable.setdefault((line.customer_id, line.product_id), [])
        if all(other.id != line.id for other in group):
            group.append(line)
    batch = _LineBatch(ctx, products, customers, lines, renewable)
    batch.stored_ids = {line.id for group in renewable.values() for line in group}
    return batch


def _apply_line(batch: _LineBatch, row: SourceRow) -> str | None:
    """Sets the row's line in `batch`; 'created', 'updated', 'unchanged', or None
    when the row failed (its problems say why).
    """
    values = row.values
    product = batch.products.get(name_key(values["product"]))
    if product is None:
        row.fail("UNKNOWN_PRODUCT", f"No product with Import ID {values['product']!r}.",
                 "product")
        return None
    key = name_key(values["line_id"])
    existing = batch.lines.get(key)
    if _mode_problem(batch.ctx, row, existing is not None, f"Line {values['line_id']!r}"):
        return None
    customer = batch.customer(values["customer"])
    line = existing.model_copy(deep=True) if existing else None
    billing = values.get("billing_date") or (line.billing_date if line else batch.ctx.import_date)
    start = values.get("start_date") or billing
    term, end = _term(row, product, start)
    try:
        # A line imported again without a price keeps its own (the price at sale,
        # as an empty cell keeps a stored value); a new one takes the catalog's.
        price = line_price(values["quantity"], values.get("unit_price"), values.get("amount"),
                           product.unit_price if line is None else line.unit_price)
    except PriceError as exc:
        row.fail(exc.code, exc.message, exc.field)
    if row.problems:  # no schedule of a price or term that cannot be
        return None
    amount = price.amount
    try:
        custom_billing = (billing_plan(values["custom_billing"], amount, billing, term)
                          if "custom_billing" in values else None)
    except ScheduleError as exc:
        row.fail("INVALID_CUSTOM_BILLING", str(exc), "custom_billing")
    try:
        schedule, method = revenue_schedule(amount, start, term, values.get("custom_revenue"))
    except ScheduleError as exc:
        row.fail("INVALID_REVENUE_RECOGNITION", str(exc), "custom_revenue")
    if row.problems:
        return None
    booking_date: date = values.get("booking_date") or (
        line.booking_date if line and line.booking_date else billing)
    fields: dict[str, Any] = {
        "customer_id": customer.id, "product_id": product.id, "quantity": values["quantity"],
        "unit_price": price.unit_price, "amount": amount,
        "renewal": bool(values.get("renewal")), "billing_date": billing,
        "booking_date": booking_date, "start_date": start, "end_date": end, "term_months": term,
        "custom_billing": custom_billing, "custom_revenue": method, "revenue_schedule": schedule,
        "opportunity": values.get("opportunity", line.opportunity if line else None),
    }
    if line is None:
        line = ProductLine(id=PydanticObjectId(), org_id=batch.ctx.org_id,
                           line_id=values["line_id"], line_key=key, seq=0, **fields)
        before = None
    else:
        before = line.model_dump(exclude={"updated_at"})
        for name, value in fields.items():
            setattr(line, name, value)
    if not _link_renewal(batch, row, line, product, customer):
        return None
    line.booking = None if line.renewal else Booking(amount=amount, booked_on=booking_date)
    batch.keep(customer)
    batch.lines[key] = line
    group = batch.renewable.setdefault((line.customer_id, line.product_id), [])
    group[:] = [other for other in group if other.id != line.id] + [line]
    if before is None:
        batch.changed[line.id] = line
        return "created"
    if line.model_dump(exclude={"updated_at"}) != before:
        batch.changed[line.id] = line
        return "updated"
    return "unchanged"


def _term(row: SourceRow, product: Product, start: date) -> tuple[int | None, date | None]:
    """The line's term and end date: Term Months, else from its End Date, else its
    recurring product's; the row fails when they cannot be (INVALID_TERM, INVALID_DATE).
    """
    values = row.values
    given_end: date | None = values.get("end_date")
    term: int | None = values.get("term_months")
    if given_end is not None and given_end < start:
        row.fail("INVALID_DATE", f"End Date {given_end} is before the start {start}.",
                 "end_date")
        return term, given_end
    if term is None and given_end is not None:
        try:
            term = months_between(start, given_end)
        except ScheduleError as exc:  # only past the calendar, which the dates' range keeps off
            row.fail("INVALID_DATE", str(exc), "end_date")
            return None, given_end
        if term > MAX_TERM_MONTHS:
            row.fail("INVALID_TERM", f"End Date {given_end} is {term:,} months after the start "
                     f"{start}: a term is at most {MAX_TERM_MONTHS:,} months.", "end_date")
            return None, given_end
    if term is None and product.recurring:
        term = product.term_months
        if term is not None and (problem := term_problem(term)):
            row.fail("INVALID_TERM", f"Product {product.import_id!r}: {problem}", "term_months")
            return None, None
    try:
        end = given_end or (term_end(start, term) if term else None)
    except ScheduleError as exc:  # a start the row does not set (a stored line's)
        row.fail("INVALID_DATE", str(exc), "start_date")
        return None, None
    return term, end


def _link_renewal(batch: _LineBatch, row: SourceRow, line: ProductLine, product: Product,
                  customer: Customer) -> bool:
    previous = next((c for g in batch.renewable.values() for c in g
                     if c.id == line.renews_id), None) if line.renews_id else None
    target = batch.renew(line) if line.renewal else None
    if line.renewal and target is None:
        row.fail("NOTHING_TO_RENEW", f"{customer.name} has no line of product "
                 f"{product.import_id!r} waiting for renewal.", "renewal")
        return False
    if previous is not None and previous is not target:
        previous.renewed_by_id = None
        batch.changed[previous.id] = previous
    if target is not None and target.renewed_by_id != line.id:
        target.renewed_by_id = line.id
        batch.changed[target.id] = target
    line.renews_id = target.id if target else None
    return True


async def _write_batch(ctx: LoadContext, batch: _LineBatch) -> None:
    if ctx.dry_run:
        return
    if batch.new_customers:
        await bulk_write(ctx, Customer.collection(), [InsertOne(c.to_mongo())
                                                  for c in batch.new_customers])
        await NameFences.note_added(ctx.org_id, len(batch.new_customers))
    fresh = [line for line in batch.changed.values() if line.seq == 0]  # not stored yet
    if fresh:
        first = await _next_seqs(ctx, len(fresh))
        for offset, line in enumerate(fresh):
            line.seq = first + offset
    operations: list[Write] = []
    for line in batch.changed.values():
        if line.id in batch.stored_ids:
            line.updated_at = utcnow()
            operations.append(ReplaceOne(ProductLine.scoped(ctx.org_id, {"_id": line.id}),
                                         line.to_mongo()))
        else:
            operations.append(InsertOne(line.to_mongo()))
    await bulk_write(ctx, ProductLine.collection(), operations)


async def _next_seqs(ctx: LoadContext, count: int) -> int:
    """The first of `count` fresh product line numbers, taken in the batch's
    transaction (a batch that runs again takes them again).
    """
    raw = await Sequence.collection().find_one_and_update(
        Sequence.scoped(ctx.org_id, {"name": "product_lines"}), {"$inc": {"issued": count}},
        upsert=True, return_document=ReturnDocument.AFTER, session=ctx.session)
    assert raw is not None  # upserted
    return int(raw["issued"]) - count + 1

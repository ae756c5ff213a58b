"""Reading product lines, the bookings they made, and the revenue they recognize.

Lines are listed in creation order (`seq`, dense per org). A read by customer
or product is bounded by its own index; an unfiltered one reads bounded `seq`
windows, widening when filters leave a window short: a server that reads a
whole index range before it limits (SecantusDB) then reads about a page, not
every line of the org.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bson import ObjectId

from documents.product import Amount, ProductLine, Sequence
from resolvers.actor import Actor, Permission
from resolvers.pagination import Page, decode_cursor, encode_cursor, page_size


@dataclass
class LineQuery:
    customer_id: ObjectId | None = None
    product_id: ObjectId | None = None
    opportunity: str | None = None
    renewal: bool | None = None
    billing_from: date | None = None
    billing_to: date | None = None
    # Bookings: new lines only, by booking date.
    booked: bool = False
    booked_from: date | None = None
    booked_to: date | None = None


def _as_datetime(day: date) -> datetime:
    # Dates are stored as midnight datetimes (BSON has no date type).
    return datetime(day.year, day.month, day.day)


def _index_condition(query: LineQuery) -> dict[str, Any]:
    if query.customer_id is not None:
        return {"customer_id": query.customer_id}
    if query.product_id is not None:
        return {"product_id": query.product_id}
    return {}


def _filters(query: LineQuery) -> dict[str, Any]:
    """Conditions checked on what the index found."""
    match: dict[str, Any] = {}
    if query.customer_id is not None and query.product_id is not None:
        match["product_id"] = query.product_id
    if query.opportunity is not None:
        match["opportunity"] = query.opportunity
    if query.renewal is not None:
        match["renewal"] = query.renewal
    for name, low, high in (("billing_date", query.billing_from, query.billing_to),
                            ("booking.booked_on", query.booked_from, query.booked_to)):
        bounds = {**({"$gte": _as_datetime(low)} if low else {}),
                  **({"$lte": _as_datetime(high)} if high else {})}
        if bounds:
            match[name] = bounds
    if query.booked:
        match["booking"] = {"$ne": None}
    return match


async def _read(org_id: ObjectId, query: LineQuery, after_seq: int, want: int) -> list[ProductLine]:
    index, match = _index_condition(query), _filters(query)
    stages = [*([{"$match": match}] if match else []), {"$sort": {"seq": 1}}]
    if index:
        raw = await ProductLine.aggregate_in(
            org_id, {**index, "seq": {"$gt": after_seq}}, stages, want)
        return [ProductLine.model_validate(doc) for doc in raw]
    sequence = await Sequence.collection().find_one(Sequence.scoped(
        org_id, {"name": "product_lines"}))
    issued = int(sequence["issued"]) if sequence else 0
    found: list[ProductLine] = []
    low, window = after_seq, want * 2
    while len(found) < want and low < issued:
        raw = await ProductLine.aggregate_in(
            org_id, {"seq": {"$gt": low, "$lte": low + window}}, stages, want - len(found))
        found += [ProductLine.model_validate(doc) for doc in raw]
        low, window = low + window, window * 4
    return found


async def list_lines(actor: Actor, first: int | None, after: str | None,
                     query: LineQuery) -> Page[ProductLine]:
    actor.require(Permission.READ_FINANCE)
    limit = page_size(first)
    cursor = decode_cursor(after, int)
    after_seq = int(cursor[0]) if cursor and isinstance(cursor[0], int) else 0
    found = await _read(actor.org_id, query, after_seq, limit + 1)

    async def total() -> int:
        match = _filters(query)
        return await ProductLine.count_where(actor.org_id, _index_condition(query),
                                             [{"$match": match}] if match else [])

    return Page(items=[(encode_cursor(line.seq), line) for line in found[:limit]],
                has_next_page=len(found) > limit, count=total)


async def get_line(actor: Actor, line_id: ObjectId) -> ProductLine | None:
    actor.require(Permission.READ_FINANCE)
    return await ProductLine.get_in(actor.org_id, line_id)


@dataclass
class MonthAmount:
    month: date
    amount: Decimal


async def revenue_by_month(actor: Actor, query: LineQuery, start: date | None,
                           end: date | None) -> list[MonthAmount]:
    """Recognized revenue per month, summed over the lines `query` selects, for
    the months from `start`'s to `end`'s (inclusive).
    """
    actor.require(Permission.READ_FINANCE)
    match = _filters(query)
    raw = await ProductLine.aggregate_in(actor.org_id, _index_condition(query), [
        *([{"$match": match}] if match else []), {"$project": {"revenue_schedule": 1}}])
    totals: dict[date, Decimal] = defaultdict(Decimal)
    first_month = start.replace(day=1) if start else None
    for doc in raw:
        for entry in doc["revenue_schedule"]:
            month = Amount.model_validate(entry)
            if (first_month is None or month.on >= first_month) and (end is None
                                                                    or month.on <= end):
                totals[month.on] += month.amount
    return [MonthAmount(month=month, amount=amount) for month, amount in sorted(totals.items())]

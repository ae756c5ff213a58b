"""customers, customer, customerByName: reading customers, a page at a time."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId

from documents.customer import Customer
from documents.text import name_key, prefix_range, words
from resolvers.actor import Actor, Permission
from resolvers.pagination import Page, decode_cursor, encode_cursor, page_size


@dataclass
class CustomerQuery:
    search: str | None = None
    customer_type_id: ObjectId | None = None
    lead_source_id: ObjectId | None = None
    assigned_user_id: ObjectId | None = None
    billing_customer_id: ObjectId | None = None
    # None and False list active customers; True lists archived ones.
    archived: bool | None = None
    updated_since: datetime | None = None


def search_stages(text: str | None, field: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Conditions for "every word starts a token".

    The longest word, as a plain range, goes into the first $match, which the
    multikey index serves; but a plain range on an array may be met by two
    different tokens, one above the start and one below the end, so later
    $match stages check every word exactly with $elemMatch, on what the index
    found (an $elemMatch in the first stage would scan the collection).
    """
    query_words = sorted(set(words(text)), key=len, reverse=True)
    if not query_words:
        # Blank search: no filter; only punctuation: nothing can match it.
        return ({field: {"$in": []}} if text and text.strip() else {}), []
    exact = [{"$match": {field: {"$elemMatch": prefix_range(w)}}} for w in query_words]
    return {field: prefix_range(query_words[0])}, exact


def _match(query: CustomerQuery) -> dict[str, Any]:
    match: dict[str, Any] = {"archived": bool(query.archived)}
    for key, path in (
        ("customer_type_id", "customer_type_id"),
        ("lead_source_id", "lead_source_id"),
        ("assigned_user_id", "assigned_user_id"),
        ("billing_customer_id", "billing.billing_customer_id"),
    ):
        value = getattr(query, key)
        if value is not None:
            match[path] = value
    if query.updated_since is not None:
        match["updated_at"] = {"$gte": query.updated_since}
    return match


async def list_customers(
    actor: Actor, first: int | None, after: str | None, query: CustomerQuery
) -> Page[Customer]:
    actor.require(Permission.READ_CUSTOMERS)
    limit = page_size(first)
    cursor = decode_cursor(after)
    match = _match(query)
    token_match, later = search_stages(query.search, "search_tokens")
    match.update(token_match)
    counted = [{"$match": Customer.scoped(actor.org_id, match)}, *later]
    if cursor:
        match["name_key"] = {"$gt": str(cursor[0])}
    pipeline = [
        {"$match": Customer.scoped(actor.org_id, match)},
        *later,
        {"$sort": {"name_key": 1}},
        {"$limit": limit + 1},
    ]
    raws = await Customer.collection().aggregate(pipeline)
    docs = [Customer.model_validate(raw) async for raw in raws]

    async def total() -> int:
        result = await Customer.collection().aggregate([*counted, {"$count": "n"}])
        rows = await result.to_list()
        return int(rows[0]["n"]) if rows else 0

    return Page(
        items=[(encode_cursor(doc.name_key), doc) for doc in docs[:limit]],
        has_next_page=len(docs) > limit,
        count=total,
    )


async def get_customer(actor: Actor, customer_id: ObjectId) -> Customer | None:
    actor.require(Permission.READ_CUSTOMERS)
    return await Customer.get_in(actor.org_id, customer_id)


async def customer_by_name(actor: Actor, name: str) -> Customer | None:
    actor.require(Permission.READ_CUSTOMERS)
    where = Customer.scoped(actor.org_id, {"name_key": name_key(name)})
    raw = await Customer.collection().find_one(where)
    return None if raw is None else Customer.model_validate(raw)


async def customer_owning(actor: Actor, path: str, sub_id: ObjectId) -> Customer | None:
    """The customer holding the embedded site, contact or equipment `sub_id` (path "sites._id")."""
    actor.require(Permission.READ_CUSTOMERS)
    raw = await Customer.collection().find_one(Customer.scoped(actor.org_id, {path: sub_id}))
    return None if raw is None else Customer.model_validate(raw)

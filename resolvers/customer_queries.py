"""customers, customer, customerByName: reading customers, a page at a time."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId

from documents.customer import Customer
from documents.text import name_key, prefix_condition, prefix_range, words
from resolvers.actor import Actor, Permission
from resolvers.errors import ErrorCode, Problem, UserFacingError
from resolvers.name_order import ReadPlan, count, customers_by_name
from resolvers.pagination import Page, decode_cursor, encode_cursor, page_size

# A customer document as stored (not validated again when read).
StoredCustomer = dict[str, Any]

# Letters and digits a search must have (punctuation is not searched).
MIN_SEARCH_CHARACTERS = 2


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


def search_conditions(
    text: str | None, field: str, prefix_field: str | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Conditions for "every word starts a token": (index condition, exact stages).

    The longest word bounds the read: as a plain range on the multikey index of
    `field`, or, given `prefix_field` (customers' `search_prefixes`), as the
    condition on its first letters that lets a name range bound the read too.
    Either finds a superset (a plain range on an array may be met by two
    different tokens, one above the start, another below the end), so
    $elemMatch stages then check every word exactly, on what the index found.
    """
    query_words = sorted(set(words(text)), key=len, reverse=True)
    if not query_words:
        # Blank search: no filter; only punctuation: nothing can match it.
        return ({prefix_field or field: {"$in": []}} if text and text.strip() else {}), []
    if sum(len(word) for word in query_words) < MIN_SEARCH_CHARACTERS:
        # One letter starts a large share of all tokens: the read would be most of the index.
        raise UserFacingError(Problem(
            ErrorCode.INVALID,
            f"A search needs at least {MIN_SEARCH_CHARACTERS} letters or digits.",
            ["filter", "search"]))
    exact = [{"$match": {field: {"$elemMatch": prefix_range(w)}}} for w in query_words]
    if prefix_field is not None:
        return {prefix_field: prefix_condition(query_words[0])}, exact
    return {field: prefix_range(query_words[0])}, exact


def customer_search_conditions(text: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`search_conditions` of a customer or site search (customers' tokens)."""
    return search_conditions(text, "search_tokens", "search_prefixes")


def _plan(query: CustomerQuery) -> ReadPlan:
    # Conditions an index serves, most selective first: the first bounds the read.
    conditions: list[dict[str, Any]] = []
    for key, path in (
        ("billing_customer_id", "billing.billing_customer_id"),
        ("customer_type_id", "customer_type_id"),
        ("lead_source_id", "lead_source_id"),
        ("assigned_user_id", "assigned_user_id"),
    ):
        value = getattr(query, key)
        if value is not None:
            conditions.append({path: value})
    search, exact = customer_search_conditions(query.search)
    if search:
        conditions.append(search)
    if query.updated_since is not None:
        conditions.append({"updated_at": {"$gte": query.updated_since}})
    return ReadPlan.of(conditions, [{"$match": {"archived": bool(query.archived)}}, *exact])


async def list_customers(
    actor: Actor, first: int | None, after: str | None, query: CustomerQuery
) -> Page[StoredCustomer]:
    actor.require(Permission.READ_CUSTOMERS)
    limit = page_size(first)
    cursor = decode_cursor(after, str)
    plan = _plan(query)
    raws: list[dict[str, Any]] = []
    batches = customers_by_name(
        actor.org_id, plan, after=str(cursor[0]) if cursor else None, want=limit + 1
    )
    async for batch in batches:
        raws.extend(batch)
        if len(raws) > limit:
            break

    async def total() -> int:
        return await count(actor.org_id, plan, [])

    # Reads answer stored documents as they are (validated when written): the
    # schema builds its objects straight from them.
    return Page(
        items=[(encode_cursor(raw["name_key"]), raw) for raw in raws[:limit]],
        has_next_page=len(raws) > limit,
        count=total,
    )


async def get_customer(actor: Actor, customer_id: ObjectId) -> StoredCustomer | None:
    actor.require(Permission.READ_CUSTOMERS)
    return await Customer.collection().find_one(Customer.scoped(actor.org_id,
                                                                {"_id": customer_id}))


async def customer_by_name(actor: Actor, name: str) -> StoredCustomer | None:
    actor.require(Permission.READ_CUSTOMERS)
    where = Customer.scoped(actor.org_id, {"name_key": name_key(name)})
    return await Customer.collection().find_one(where)


async def customer_owning(actor: Actor, path: str, sub_id: ObjectId) -> StoredCustomer | None:
    """The customer holding the embedded site, contact or equipment `sub_id` (path "sites._id")."""
    actor.require(Permission.READ_CUSTOMERS)
    return await Customer.collection().find_one(Customer.scoped(actor.org_id, {path: sub_id}))

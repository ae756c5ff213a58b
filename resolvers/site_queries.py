"""sites: every site across customers, for field apps (by customer, text, or change)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId

from documents.customer import Customer, Site
from documents.text import matches_all, prefix_range, words
from resolvers.actor import Actor, Permission
from resolvers.customer_queries import customer_search_conditions
from resolvers.name_order import ReadPlan, count, customers_by_name
from resolvers.pagination import Page, decode_cursor, encode_cursor, page_size


@dataclass
class SiteQuery:
    search: str | None = None
    customer_id: ObjectId | None = None
    updated_since: datetime | None = None


def _plan(query: SiteQuery) -> ReadPlan:
    # Conditions an index serves, most selective first: the first bounds the read.
    conditions: list[dict[str, Any]] = []
    if query.customer_id is not None:
        conditions.append({"_id": query.customer_id})
    search, exact = customer_search_conditions(query.search)
    if search:
        conditions.append(search)
    if query.updated_since is not None:
        conditions.append({"updated_at": {"$gte": query.updated_since}})
    filters = [{"$match": {"archived": False, "sites.0": {"$exists": True}}}, *exact]
    return ReadPlan.of(conditions, filters)


def _site_matches(site: Site, query: SiteQuery, query_words: list[str]) -> bool:
    if query.updated_since is not None and site.updated_at < query.updated_since:
        return False
    return matches_all(query_words, site.search_tokens)


def _site_stages(query: SiteQuery, query_words: list[str]) -> list[dict[str, Any]]:
    # The same test as _site_matches, as stages on unwound sites (for counting).
    stages: list[dict[str, Any]] = [{"$unwind": "$sites"}]
    if query.updated_since is not None:
        stages.append({"$match": {"sites.updated_at": {"$gte": query.updated_since}}})
    for word in query_words:
        stages.append({"$match": {"sites.search_tokens": {"$elemMatch": prefix_range(word)}}})
    return stages


async def list_sites(
    actor: Actor, first: int | None, after: str | None, query: SiteQuery
) -> Page[tuple[Site, Customer]]:
    """Sites ordered by customer name, then site id.

    Customers are read in name order, a bounded batch at a time, and their
    sites filtered here; every customer read has at least one site, so a page
    usually costs one query.
    """
    actor.require(Permission.READ_CUSTOMERS)
    limit = page_size(first)
    cursor = decode_cursor(after, str, str)
    query_words = words(query.search)
    plan = _plan(query)
    after_key, after_site = (str(cursor[0]), str(cursor[1])) if cursor else (None, "")
    found: list[tuple[str, tuple[Site, Customer]]] = []
    batches = customers_by_name(
        actor.org_id, plan, after=after_key, inclusive=True, want=limit + 2
    )
    async for batch in batches:
        for raw in batch:
            if query_words and not any(
                matches_all(query_words, site.get("search_tokens") or [])
                for site in raw.get("sites") or []
            ):
                continue  # the words are in the customer's own fields, on none of its sites
            customer = Customer.model_validate(raw)
            for site in sorted(customer.sites, key=lambda s: s.id):
                if customer.name_key == after_key and str(site.id) <= after_site:
                    continue  # already on an earlier page
                if _site_matches(site, query, query_words):
                    found.append((encode_cursor(customer.name_key, str(site.id)), (site, customer)))
        if len(found) > limit:
            break

    async def total() -> int:
        return await count(actor.org_id, plan, _site_stages(query, query_words))

    return Page(items=found[:limit], has_next_page=len(found) > limit, count=total)

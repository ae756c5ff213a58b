"""sites: every site across customers, for field apps (by customer, text, or change)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId

from documents.customer import Customer, Site
from documents.text import matches_all, prefix_range, words
from resolvers.actor import Actor, Permission
from resolvers.customer_queries import search_stages
from resolvers.pagination import Page, decode_cursor, encode_cursor, page_size


@dataclass
class SiteQuery:
    search: str | None = None
    customer_id: ObjectId | None = None
    updated_since: datetime | None = None


def _customer_match(query: SiteQuery) -> dict[str, Any]:
    match: dict[str, Any] = {"archived": False, "sites.0": {"$exists": True}}
    if query.customer_id is not None:
        match["_id"] = query.customer_id
    if query.updated_since is not None:
        match["updated_at"] = {"$gte": query.updated_since}
    return match


def _site_matches(site: Site, query: SiteQuery, query_words: list[str]) -> bool:
    if query.updated_since is not None and site.updated_at < query.updated_since:
        return False
    return matches_all(query_words, site.search_tokens)


async def list_sites(
    actor: Actor, first: int | None, after: str | None, query: SiteQuery
) -> Page[tuple[Site, Customer]]:
    """Sites ordered by customer name, then site id.

    Customers are read in name order, a batch at a time, and their sites
    filtered here; every customer read has at least one site, so a page
    usually costs one query.
    """
    actor.require(Permission.READ_CUSTOMERS)
    limit = page_size(first)
    cursor = decode_cursor(after)
    query_words = words(query.search)
    match = _customer_match(query)
    token_match, later = search_stages(query.search, "search_tokens")
    match.update(token_match)
    after_key, after_site = (str(cursor[0]), str(cursor[1])) if cursor else (None, None)
    found: list[tuple[str, tuple[Site, Customer]]] = []
    exhausted = False
    while len(found) <= limit and not exhausted:
        batch_match = dict(match)
        if after_key is not None:
            batch_match["name_key"] = {"$gte": after_key}
        pipeline = [
            {"$match": Customer.scoped(actor.org_id, batch_match)},
            *later,
            {"$sort": {"name_key": 1}},
            {"$limit": limit + 2},
        ]
        raws = await (await Customer.collection().aggregate(pipeline)).to_list()
        exhausted = len(raws) < limit + 2
        for raw in raws:
            customer = Customer.model_validate(raw)
            for site in sorted(customer.sites, key=lambda s: s.id):
                if customer.name_key == after_key and after_site and str(site.id) <= after_site:
                    continue
                if _site_matches(site, query, query_words):
                    found.append((encode_cursor(customer.name_key, str(site.id)), (site, customer)))
            after_key, after_site = customer.name_key, "\uffff"  # this customer is done
    count_pipeline = [
        {"$match": Customer.scoped(actor.org_id, match)},
        *later,
        {"$unwind": "$sites"},
        *_site_count_stages(query, query_words),
        {"$count": "n"},
    ]

    async def total() -> int:
        rows = await (await Customer.collection().aggregate(count_pipeline)).to_list()
        return int(rows[0]["n"]) if rows else 0

    return Page(items=found[:limit], has_next_page=len(found) > limit, count=total)


def _site_count_stages(query: SiteQuery, query_words: list[str]) -> list[dict[str, Any]]:
    # The same test as _site_matches, as $match stages on unwound sites.
    stages: list[dict[str, Any]] = []
    if query.updated_since is not None:
        stages.append({"$match": {"sites.updated_at": {"$gte": query.updated_since}}})
    for word in query_words:
        stages.append({"$match": {"sites.search_tokens": {"$elemMatch": prefix_range(word)}}})
    return stages


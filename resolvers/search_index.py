"""Bringing customers stored before `search_prefixes` into the search index.

Search reads the index (org_id, search_prefixes, name_key); a customer stored
before that field existed has its tokens but no prefixes, so no search finds
it until its prefixes are set (derived from the stored tokens, nothing else is
read or changed): at the first start after the upgrade (app/database.py, seen
by the former index still being there), or by `sitebook reindex-search`.
The index the search used before, on (org_id, search_tokens), serves no read
any more and is dropped: it only cost every write.
"""

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.errors import OperationFailure

from documents.customer import Customer
from documents.organization import Organization
from documents.text import search_prefixes

# The index search read before search_prefixes.
FORMER_INDEX = "org_id_1_search_tokens_1"
_BATCH = 500


async def reindex_search(org_id: ObjectId) -> int:
    """Set `search_prefixes` on the org's customers that lack it; how many were set."""
    missing = {"search_prefixes": {"$exists": False}}
    cursor = Customer.collection().find(Customer.scoped(org_id, missing), {"search_tokens": 1})
    updates: list[UpdateOne] = []
    changed = 0

    async def write() -> int:
        result = await Customer.collection().bulk_write(updates, ordered=False)
        return result.modified_count

    async for raw in cursor:
        # Still missing when written: a customer saved meanwhile has fresh prefixes.
        updates.append(UpdateOne(
            Customer.scoped(org_id, {"_id": raw["_id"], **missing}),
            {"$set": {"search_prefixes": search_prefixes(raw.get("search_tokens") or [])}}))
        if len(updates) == _BATCH:
            changed += await write()
            updates = []
    if updates:
        changed += await write()
    return changed


async def drop_former_index() -> bool:
    """Drop the index search no longer reads; False when it was not there."""
    try:
        await Customer.collection().drop_index(FORMER_INDEX)
    except OperationFailure:
        return False
    return True


async def reindex_orgs(slug: str | None = None) -> dict[str, int]:
    """reindex_search for one organization (by slug) or all: customers set, by slug."""
    changed: dict[str, int] = {}
    async for org in Organization.find({} if slug is None else {"slug": slug}):
        assert org.id is not None
        changed[org.slug] = await reindex_search(org.id)
    return changed

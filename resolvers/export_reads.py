"""What an export reads: the documents the list queries would list for the
same filter, in their order, a bounded batch at a time (keyset, never skip).

Customers (and their sites, contacts and equipment) come in name order through
the name-fenced ranges the `customers` and `sites` queries read
(resolvers/name_order); products in import id order; product lines in `seq`
order. Batches are raw documents: an export turns them straight into cells.
"""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from documents.customer import Customer
from documents.lookups import Lookup
from documents.name_fences import NameFences
from documents.product import Product, ProductLine, Sequence
from documents.text import matches_all, words
from importers.context import LOOKUP_FIELDS
from importers.export_rows import Names
from importers.fields import Entity
from resolvers.customer_queries import CustomerQuery, search_conditions
from resolvers.customer_queries import _plan as customer_plan
from resolvers.name_order import FENCE_EVERY, ReadPlan, count, rebuild_fences
from resolvers.product_lines import LineQuery
from resolvers.product_lines import _filters as line_filters
from resolvers.product_lines import _index_condition as line_index
from resolvers.products import ProductQuery
from resolvers.site_queries import SiteQuery
from resolvers.site_queries import _plan as site_plan

BATCH = 500
FENCES_PER_BATCH = BATCH // FENCE_EVERY  # a fence every 64 names: about BATCH a window
Raw = dict[str, Any]
# A customer's search tokens are the biggest part of it, and no cell needs them.
_NOT_NEEDED = {"$project": {"search_tokens": 0}}


async def fences_for_export(org_id: ObjectId) -> list[str]:
    """The org's name fences, rebuilt first when missing or stale by more than a
    batch: the last window (past the last fence) then holds at most about a batch.
    """
    raw = await NameFences.collection().find_one(NameFences.scoped(org_id))
    if raw is None or raw.get("added_since_build", 0) > BATCH:
        return await rebuild_fences(org_id)
    fences: list[str] = raw.get("fences") or []
    return fences


def _local_test(filters: list[dict[str, Any]]) -> Callable[[Raw], bool] | None:
    """An unfiltered plan's later stages (active, or archived, customers; with
    sites) as a test run here. SecantusDB runs every stage after the first in
    Python, which doubles the cost of a read; a find or a bare range does not.
    None when the stages are anything else.
    """
    if len(filters) != 1 or set(filters[0]) != {"$match"}:
        return None
    match = filters[0]["$match"]
    if not set(match) <= {"archived", "sites.0"}:
        return None

    def test(raw: Raw) -> bool:
        if "archived" in match and bool(raw.get("archived")) != match["archived"]:
            return False
        return "sites.0" not in match or bool(raw.get("sites"))

    return test


async def _customers(org_id: ObjectId, plan: ReadPlan) -> AsyncIterator[list[Raw]]:
    """Customers in name order. A filtered read streams the range its own index
    bounds, once; an unfiltered one reads the ranges between every
    FENCES_PER_BATCH-th name fence, each once and whole (a limit would make the
    server read a range again for each batch cut from it).
    """
    test = None if plan.index else _local_test(plan.filters)
    if test is None:
        stages = [{"$match": Customer.scoped(org_id, plan.index)}, *plan.filters,
                  _NOT_NEEDED, {"$sort": {"name_key": 1}}]
        cursor = await Customer.collection().aggregate(stages, batchSize=BATCH)
        batch: list[Raw] = []
        async for raw in cursor:
            batch.append(raw)
            if len(batch) == BATCH:
                yield batch
                batch = []
        if batch:
            yield batch
        return
    fences = await fences_for_export(org_id)
    low: str | None = None
    for high in [*fences[FENCES_PER_BATCH - 1::FENCES_PER_BATCH], None]:
        key_range = {**({"$gt": low} if low is not None else {}),
                     **({"$lte": high} if high is not None else {})}
        window = Customer.collection().find(
            Customer.scoped(org_id, {"name_key": key_range} if key_range else {}),
            sort=[("name_key", 1)], batch_size=2 * BATCH)
        rows = [raw async for raw in window if test(raw)]
        if rows:
            yield rows
        low = high


def customer_batches(org_id: ObjectId, query: dict[str, Any]) -> AsyncIterator[list[Raw]]:
    """Customers the `customers` query lists for `query` (a CustomerFilter's values)."""
    return _customers(org_id, customer_plan(CustomerQuery(**query)))


def site_customer_batches(org_id: ObjectId, query: dict[str, Any]) -> AsyncIterator[list[Raw]]:
    """Customers holding the sites the `sites` query lists for `query`; which of
    their sites it lists is `site_selected`'s to say.
    """
    return _customers(org_id, site_plan(SiteQuery(**query)))


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def site_selected(site: Raw, query: dict[str, Any]) -> bool:
    """The `sites` query's own test of one site (as resolvers/site_queries)."""
    since = query.get("updated_since")
    if since is not None and _naive_utc(site["updated_at"]) < _naive_utc(since):
        return False
    return matches_all(words(query.get("search")), site.get("search_tokens") or [])


async def product_batches(org_id: ObjectId, query: dict[str, Any]) -> AsyncIterator[list[Raw]]:
    """Products the `products` query lists for `query`, in import id order."""
    given = ProductQuery(**query)
    search, exact = search_conditions(given.search, "search_tokens")
    flags = {k: v for k, v in (("recurring", given.recurring), ("active", given.active))
             if v is not None}
    after: str | None = None
    while True:
        keyset = {"import_key": {"$gt": after}} if after is not None else {}
        first, later = (search, [{"$match": keyset}] if keyset else []) if search else (keyset, [])
        batch = await Product.aggregate_in(org_id, first, [
            *later, *exact, *([{"$match": flags}] if flags else []),
            {"$sort": {"import_key": 1}}], BATCH)
        if batch:
            yield batch
        if len(batch) < BATCH:
            return
        after = batch[-1]["import_key"]


async def line_batches(org_id: ObjectId, query: dict[str, Any]) -> AsyncIterator[list[Raw]]:
    """Product lines the `productLines` query lists for `query`, in seq order,
    in bounded seq windows when no index condition bounds the read.
    """
    given = LineQuery(**query)
    index, match = line_index(given), line_filters(given)
    stages = [*([{"$match": match}] if match else []), {"$sort": {"seq": 1}}]
    after = 0
    if index:
        while True:
            batch = await ProductLine.aggregate_in(org_id, {**index, "seq": {"$gt": after}},
                                                   stages, BATCH)
            if batch:
                yield batch
            if len(batch) < BATCH:
                return
            after = batch[-1]["seq"]
    sequence = await Sequence.collection().find_one(Sequence.scoped(
        org_id, {"name": "product_lines"}))
    issued = int(sequence["issued"]) if sequence else 0
    while after < issued:
        batch = await ProductLine.aggregate_in(
            org_id, {"seq": {"$gt": after, "$lte": after + BATCH}}, stages)
        if batch:
            yield batch
        after += BATCH


async def custom_labels(org_id: ObjectId) -> list[str]:
    """Every custom field label the organization's customers use, in order."""
    labels: set[str] = set()
    cursor = Customer.collection().find(Customer.scoped(org_id), {"_id": 0, "custom_fields": 1})
    async for raw in cursor:
        labels.update(raw.get("custom_fields") or {})
    return sorted(labels, key=str.casefold)


async def lookup_names(org_id: ObjectId) -> dict[str, dict[ObjectId, str]]:
    """Each lookup list (customer types, ...) by id; lists are short."""
    found: dict[str, dict[ObjectId, str]] = {}
    for kind, (document, _, _) in LOOKUP_FIELDS.items():
        items: list[Lookup] = await document.find_in(org_id)
        found[kind] = {item.id: item.name for item in items if item.id is not None}
    return found


async def names_for(org_id: ObjectId, names: Names, customer_ids: set[Any],
                    product_ids: set[Any]) -> None:
    """Sets `names` to the names of these customers and products (one batch's)."""
    names.customers = {raw["_id"]: raw["name"] for raw in await _by_id(
        Customer, org_id, customer_ids, {"name": 1})}
    products = await _by_id(Product, org_id, product_ids, {"import_id": 1, "currency": 1})
    names.products = {raw["_id"]: raw["import_id"] for raw in products}
    names.currencies = {raw["_id"]: raw.get("currency") or "AUD" for raw in products}


async def _by_id(document: type[Customer] | type[Product], org_id: ObjectId, ids: set[Any],
                 projection: dict[str, int]) -> list[Raw]:
    wanted = sorted(i for i in ids if i is not None)
    found: list[Raw] = []
    for start in range(0, len(wanted), 32):  # see TenantDocument.find_any
        cursor = document.collection().find(
            document.scoped(org_id, {"_id": {"$in": wanted[start:start + 32]}}), projection)
        found += [raw async for raw in cursor]
    return found


async def template_lists(org_id: ObjectId) -> dict[str, list[str]]:
    """The template's drop-down lists: the org's lookups and active products."""
    lists = {kind: sorted(by_id.values(), key=str.casefold)
             for kind, by_id in (await lookup_names(org_id)).items()}
    products = await Product.find_in(org_id, {"active": True}, sort=[("import_key", 1)])
    lists["product"] = [p.import_id for p in products]
    return lists


async def expected_documents(org_id: ObjectId, entity: Entity, given: dict[str, Any]) -> int:
    """About how many documents a sheet reads (customers for sites, contacts and
    equipment), for progress; estimated without reading them where it can be.
    """
    if entity is Entity.PRODUCTS:
        query = ProductQuery(**given.get("products", {}))
        search, exact = search_conditions(query.search, "search_tokens")
        flags = {k: v for k, v in (("recurring", query.recurring), ("active", query.active))
                 if v is not None}
        return await Product.count_where(org_id, search,
                                         [*exact, *([{"$match": flags}] if flags else [])])
    if entity is Entity.PRODUCT_LINES:
        lines = LineQuery(**given.get("product_lines", {}))
        match, index = line_filters(lines), line_index(lines)
        if not match and not index:  # every line: the sequence says how many were made
            sequence = await Sequence.collection().find_one(Sequence.scoped(
                org_id, {"name": "product_lines"}))
            return int(sequence["issued"]) if sequence else 0
        return await ProductLine.count_where(org_id, index, [{"$match": match}] if match else [])
    if entity is Entity.SITES:
        plan = site_plan(SiteQuery(**given.get("sites", {})))
    else:
        plan = customer_plan(CustomerQuery(**given.get("customers", {})))
    if not plan.index:  # every customer: the name fences counted them
        raw = await NameFences.collection().find_one(NameFences.scoped(org_id))
        return int(raw.get("built_count", 0) + raw.get("added_since_build", 0)) if raw else 0
    return await count(org_id, plan, [])

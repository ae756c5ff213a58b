"""Reading customers in name order, in bounded index ranges.

Every read starts with one `$match` shaped exactly like an index prefix
(org_id, then one field): some servers (SecantusDB) serve a first stage from
an index only when it has that shape, and read a whole range before they sort
or limit. Other conditions follow in later `$match` stages, on what the index
found.

A filtered read (a customer type, a change date) is bounded by its own index
range. An unfiltered list of a large org is not, so it reads the ranges
between consecutive name fences (about 64 customers each), widening
geometrically when a range yields too few (archived customers, stale fences).

A search is both: its index (org_id, search_prefixes, name_key) takes a
word's first letters as an equality and a name range after it, so each fenced
window reads only the customers of that window that may match. A common word
fills the page from the first window; a rare one widens the window fourfold
each time, sixteenfold after an empty one (an empty window costs an index
seek, not a document), so it reads the customers sharing its first letters
once at most, never the whole org.
"""

import bisect
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId

from documents.customer import Customer
from documents.name_fences import NameFences

FENCE_EVERY = 64
# The one index condition that takes a name range after it (its index is
# (org_id, search_prefixes, name_key)), when it is an equality.
NAME_BOUNDED_FIELD = "search_prefixes"
# Customers a first window by name must find for a 2-letter search to go on by
# name; fewer, and the word is rare enough that its index range costs less.
SHORT_PREFIX_ENOUGH = 5


@dataclass
class ReadPlan:
    # One condition an index on (org_id, <its field>) serves; empty: read by name fences.
    index: dict[str, Any] = field(default_factory=dict)
    # $match stages applied to what the index found.
    filters: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, conditions: list[dict[str, Any]], filters: list[dict[str, Any]]) -> "ReadPlan":
        """The first of `conditions` (most selective first) bounds the read."""
        if not conditions:
            return cls(filters=filters)
        first, *rest = conditions
        return cls(index=first, filters=[{"$match": c} for c in rest] + filters)

    @property
    def short_prefix(self) -> bool:
        """True when the index condition is a range of search prefixes (a short word)."""
        value = self.index.get(NAME_BOUNDED_FIELD)
        return len(self.index) == 1 and isinstance(value, dict) and "$gte" in value

    @property
    def name_bounded(self) -> bool:
        """True when a name range can join the index condition (one index range)."""
        value = self.index.get(NAME_BOUNDED_FIELD)
        return len(self.index) == 1 and isinstance(value, str)

    def stages(self, org_id: ObjectId) -> list[dict[str, Any]]:
        return [{"$match": Customer.scoped(org_id, self.index)}, *self.filters]


async def _fences(org_id: ObjectId) -> list[str]:
    raw = await NameFences.collection().find_one(NameFences.scoped(org_id))
    if raw is None:
        return []
    state: NameFences = NameFences.model_validate(raw)
    # Rebuilt once the org has grown by a quarter (amortized: O(1) per customer added).
    if state.added_since_build > max(FENCE_EVERY, state.built_count // 4):
        return await rebuild_fences(org_id)
    return state.fences


async def rebuild_fences(org_id: ObjectId) -> list[str]:
    cursor = Customer.collection().find(
        Customer.scoped(org_id), {"_id": 0, "name_key": 1}, sort=[("name_key", 1)]
    )
    keys = [row["name_key"] async for row in cursor]
    fences = keys[FENCE_EVERY - 1 :: FENCE_EVERY]
    await NameFences.collection().update_one(
        NameFences.scoped(org_id),
        {"$set": {"fences": fences, "built_count": len(keys), "added_since_build": 0}},
        upsert=True,
    )
    return fences


def _key_range(low: str | None, low_inclusive: bool, high: str | None) -> dict[str, str]:
    key_range: dict[str, str] = {}
    if low is not None:
        key_range["$gte" if low_inclusive else "$gt"] = low
    if high is not None:
        key_range["$lte"] = high
    return key_range


async def customers_by_name(
    org_id: ObjectId,
    plan: ReadPlan,
    *,
    after: str | None,
    inclusive: bool = False,
    want: int,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Batches of raw customers that `plan` selects, in name_key order, from
    after (or at, if `inclusive`) the key `after`; the caller stops iterating
    once it has what it needs.
    """
    if not plan.short_prefix:
        async for rows, _ in _windows(org_id, plan, after, inclusive, want):
            yield rows
        return
    # A word of 2 letters: its index range takes no name range. Most such words
    # start words of many customers, so one window read by name (its index
    # condition a later filter) usually fills the page; only when it finds
    # few is the index range read instead, from where that window ended.
    scan = ReadPlan(filters=[{"$match": plan.index}, *plan.filters])
    windows = _windows(org_id, scan, after, inclusive, want)
    async for rows, next_low in windows:
        yield rows
        if next_low is None or len(rows) >= SHORT_PREFIX_ENOUGH:
            async for more, _ in windows:
                yield more
            return
        async for more, _ in _windows(org_id, plan, next_low, False, want):
            yield more
        return


async def _windows(
    org_id: ObjectId, plan: ReadPlan, after: str | None, inclusive: bool, want: int
) -> AsyncIterator[tuple[list[dict[str, Any]], str | None]]:
    """`customers_by_name`'s batches, each with the key the next one starts
    after (None after the last).
    """
    fenced = not plan.index or plan.name_bounded
    fences = await _fences(org_id) if fenced else []
    low, low_inclusive = after, inclusive
    index = bisect.bisect_right(fences, low) if low is not None else 0
    step = max(1, -(-want // FENCE_EVERY))
    # A window of a name-bounded read costs what matches in it, not its width.
    growth = 4 if plan.index else 2
    while True:
        high = fences[index + step - 1] if fenced and index + step - 1 < len(fences) else None
        key_range = _key_range(low, low_inclusive, high)
        if fenced:
            first = {**plan.index, **({"name_key": key_range} if key_range else {})}
            stages = ReadPlan(index=first, filters=plan.filters).stages(org_id)
        else:
            by_name = [{"$match": {"name_key": key_range}}] if key_range else []
            stages = [*plan.stages(org_id), *by_name]
        pipeline = [*stages, {"$sort": {"name_key": 1}}, {"$limit": want}]
        # One batch, one round trip: with the default first batch (101 rows), or
        # a batch exactly as big as the result, the server keeps a cursor open
        # and the driver asks again.
        found = await Customer.collection().aggregate(pipeline, batchSize=want + 1)
        rows = await found.to_list()
        if len(rows) == want:
            # Cut short by the limit: go on right after the last row, same width.
            low, low_inclusive = rows[-1]["name_key"], False
            index = bisect.bisect_right(fences, low)
            yield rows, low
            continue
        yield rows, high
        if high is None:
            return
        low, low_inclusive = high, False
        index += step
        # An empty window of a name-bounded read says the word is rare: leap.
        step *= growth * 4 if plan.index and not rows else growth


async def count(org_id: ObjectId, plan: ReadPlan, after_stages: list[dict[str, Any]]) -> int:
    return await Customer.count_where(org_id, plan.index, [*plan.filters, *after_stages])

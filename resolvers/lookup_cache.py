"""Lookups (customer types, lead sources, payment terms, price levels, users)
by id, kept for a few seconds.

A customer names its lookups by id, so reading one customer took a second
database command for its customer type. Lookups are few and change seldom: a
process keeps those it read for at most `seconds` (SITEBOOK_LOOKUP_CACHE_SECONDS),
so a rename or delete by another process shows within that time; in this
process, renaming or deleting drops the organization's kept lookups at once.
Only lookups that were found are kept; each organization's under its own id.
"""

import time
from typing import Any

from bson import ObjectId

MAX_LOOKUPS = 50_000


class LookupCache:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._kept: dict[tuple[ObjectId, str, ObjectId], tuple[Any, float]] = {}

    def get(self, org_id: ObjectId, kind: str, lookup_id: ObjectId) -> Any | None:
        kept = self._kept.get((org_id, kind, lookup_id))
        if kept is None:
            return None
        if kept[1] <= time.monotonic():
            self._kept.pop((org_id, kind, lookup_id), None)
            return None
        return kept[0]

    def keep(self, org_id: ObjectId, kind: str, lookup_id: ObjectId, found: Any) -> None:
        if self.seconds <= 0:
            return
        if len(self._kept) >= MAX_LOOKUPS:
            self._kept.pop(next(iter(self._kept)))
        self._kept[(org_id, kind, lookup_id)] = (found, time.monotonic() + self.seconds)

    def forget_org(self, org_id: ObjectId) -> None:
        for key in [key for key in self._kept if key[0] == org_id]:
            del self._kept[key]


# The process's cache: the service sets its lifetime from its settings.
LOOKUPS = LookupCache(seconds=5.0)

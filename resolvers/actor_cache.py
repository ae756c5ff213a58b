"""Who recent API keys speak for, kept for a few seconds.

Looking a key up is a database command on every request (a third of the
commands of a read of one customer). A key's actor is kept for at most
`seconds` (SITEBOOK_KEY_CACHE_SECONDS), so a key revoked, or an organization's
settings changed, by another process takes effect within that time; in this
process, revoking a key or changing the settings drops what was kept at once.
Only keys that were found are kept (an unknown key is looked up every time, so
guessing fills nothing), at most MAX_KEYS of them.
"""

import time
from dataclasses import dataclass

from bson import ObjectId

from resolvers.actor import Actor

MAX_KEYS = 10_000


@dataclass(frozen=True)
class _Kept:
    actor: Actor
    prefix: str
    expires: float


class ActorCache:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._kept: dict[str, _Kept] = {}

    def get(self, key_hash: str) -> Actor | None:
        kept = self._kept.get(key_hash)
        if kept is None:
            return None
        if kept.expires <= time.monotonic():
            self._kept.pop(key_hash, None)
            return None
        return kept.actor

    def keep(self, key_hash: str, prefix: str, actor: Actor) -> None:
        if self.seconds <= 0:
            return
        if len(self._kept) >= MAX_KEYS:
            # The oldest entry goes first (dicts keep insertion order).
            self._kept.pop(next(iter(self._kept)))
        self._kept[key_hash] = _Kept(actor, prefix, time.monotonic() + self.seconds)

    def forget_key(self, org_id: ObjectId, prefix: str) -> None:
        """Drop the key `prefix` of `org_id` (revoked)."""
        for key_hash, kept in list(self._kept.items()):
            if kept.actor.org_id == org_id and kept.prefix == prefix:
                del self._kept[key_hash]

    def forget_org(self, org_id: ObjectId) -> None:
        """Drop every key of `org_id` (its settings changed)."""
        for key_hash, kept in list(self._kept.items()):
            if kept.actor.org_id == org_id:
                del self._kept[key_hash]


# The process's cache: the service sets its lifetime from its settings.
ACTORS = ActorCache(seconds=5.0)

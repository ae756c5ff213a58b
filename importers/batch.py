"""What a loader makes of a batch of rows: its counts, the keys it depends
on, and its writes, which the worker runs later in the batch's transaction.

Loaders read and decide without writing, so the worker can prepare the next
batch while the database writes this one (when the two share no key).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError
from pymongo.results import BulkWriteResult

from importers.context import LoadContext
from importers.rows import SourceRow


async def _no_writes(ctx: LoadContext) -> None:
    return None


@dataclass
class BatchCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[SourceRow] = field(default_factory=list)
    # (customer name key, billing customer name key) to link once the job ends.
    deferred_links: list[tuple[str, str]] = field(default_factory=list)
    # Name keys (customers, products, lines) the batch read or writes.
    keys: set[str] = field(default_factory=set)
    # The batch's writes, given the context with the batch's transaction.
    write: Callable[[LoadContext], Awaitable[None]] = _no_writes


class ConcurrentChange(Exception):
    """Someone changed the batch's documents while it was being imported: the
    worker runs the batch again on fresh documents (the writes are idempotent).
    """


async def bulk_write(ctx: LoadContext, collection: AsyncCollection[dict[str, Any]],
                     operations: list[Any]) -> BulkWriteResult | None:
    """One unordered bulk_write in the batch's transaction; ConcurrentChange when
    a unique key was taken or a guarded replace found its document changed.
    """
    if ctx.dry_run or not operations:
        return None
    replaces = sum(1 for op in operations if type(op).__name__ == "ReplaceOne")
    try:
        written = await collection.bulk_write(operations, ordered=False, session=ctx.session)
    except BulkWriteError:
        raise ConcurrentChange() from None
    if written.matched_count < replaces:
        raise ConcurrentChange()
    return written

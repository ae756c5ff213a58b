"""What a loader makes of a batch of rows: its counts, the keys it depends
on, and its writes, which the worker runs later in the batch's transaction.

Loaders read and decide without writing, so the worker can prepare the next
batch while the database writes this one (when the two share no key).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError
from pymongo.results import BulkWriteResult

from documents.import_job import ImportMode
from documents.lookups import Lookup
from importers.context import LoadContext
from importers.issues import RowIssueCode, RowOutcome
from importers.rows import SourceRow


async def _no_writes(ctx: LoadContext) -> None:
    return None


@dataclass
class BatchCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[SourceRow] = field(default_factory=list)
    # Rows that landed with warnings.
    warned: list[SourceRow] = field(default_factory=list)
    # Each row's outcome, by row number (its warnings are recorded with it).
    outcomes: dict[int, RowOutcome] = field(default_factory=dict)
    # Name keys (customers, products, lines) the batch read or writes.
    keys: set[str] = field(default_factory=set)
    # The batch's writes, given the context with the batch's transaction.
    write: Callable[[LoadContext], Awaitable[None]] = _no_writes


    def record(self, row: SourceRow, outcome: RowOutcome) -> None:
        """Counts the row once: failed when it has any problem, whatever `outcome` says."""
        if row.problems or outcome is RowOutcome.FAILED:
            self.failed.append(row)
            self.outcomes[row.number] = RowOutcome.FAILED
            return
        self.outcomes[row.number] = outcome
        if outcome is RowOutcome.CREATED:
            self.created += 1
        elif outcome is RowOutcome.UPDATED:
            self.updated += 1
        else:
            self.unchanged += 1
        if row.warnings:
            self.warned.append(row)


def mode_problem(ctx: LoadContext, row: SourceRow, exists: bool, what: str,
                 field_key: str | None = None) -> bool:
    """Fails the row when the import's mode forbids what it would do: the one
    place CREATE_ONLY and UPDATE_ONLY are applied.
    """
    if ctx.mode is ImportMode.CREATE_ONLY and exists:
        row.fail(RowIssueCode.ALREADY_EXISTS, f"{what} already exists.", field_key)
        return True
    if ctx.mode is ImportMode.UPDATE_ONLY and not exists:
        row.fail(RowIssueCode.NOT_FOUND, f"{what} does not exist to update.", field_key)
        return True
    return False


class ConcurrentChange(Exception):
    """Someone changed the batch's documents while it was being imported: the
    worker runs the batch again on fresh documents (the writes are idempotent).
    """


async def store_entries(ctx: LoadContext, entries: list[Lookup]) -> None:
    """New lookup entries (customer types, lead sources), in the batch's
    transaction; one added meanwhile by someone else makes the batch run again.
    """
    if ctx.dry_run:
        return
    for entry in entries:
        try:
            await type(entry).collection().insert_one(entry.to_mongo(), session=ctx.session)
        except DuplicateKeyError:
            raise ConcurrentChange() from None


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

"""A batch's writes, row issues, totals and checkpoint, committed in one
transaction, retried through write conflicts and a failing database.

A worker that dies mid-batch leaves nothing of it, so the batch runs again
exactly, and the totals stay right. A commit whose result is unknown is checked
against the checkpoint written in the same transaction.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, PyMongoError

from documents.base import utcnow
from documents.import_job import (
    ImportJob,
    ImportRowError,
    ImportRowIssue,
    ImportRowWarning,
    ImportTotals,
)
from importers.batch import BatchCounts, ConcurrentChange
from importers.context import LoadContext
from importers.lease import Heartbeat, LostLease
from importers.mapping import column_name
from importers.parts import BatchRow, Part
from importers.rows import CellProblem, SourceRow

_RETRIES = 3
Prepare = Callable[[], Awaitable[BatchCounts]]


class TransientTransactionError(Exception):
    """A write conflict or a dropped connection aborted the batch's transaction:
    run it again.
    """


class UnknownCommit(Exception):
    """The connection dropped while the batch's transaction committed: it may
    or may not have landed, which the job's checkpoint tells.
    """


class DatabaseUnavailable(Exception):
    """A batch failed for longer than the worker's patience: the job fails with
    this reason, and can be resumed from its checkpoint later.
    """


class BatchCommit:
    """Writes a job's batches, holding the job by its fencing token (`guard`)."""

    def __init__(self, job: ImportJob, guard: dict[str, Any], heartbeat: Heartbeat,
                 database: AsyncDatabase[dict[str, Any]], lease: timedelta,
                 patience: timedelta) -> None:
        self.job, self.guard, self.heartbeat = job, guard, heartbeat
        self.database, self.lease, self.patience = database, lease, patience

    async def update(self, update: dict[str, Any],
                     session: AsyncClientSession | None = None) -> None:
        """Updates the job while it is this worker's and not cancelled."""
        done = await ImportJob.collection().update_one(
            {**self.guard, "cancel_requested": False}, update, session=session)
        if done.matched_count == 0:
            raise LostLease()

    async def commit(self, ctx: LoadContext, part: Part, batch: list[BatchRow],
                     counts: BatchCounts | None, prepare: Prepare) -> None:
        """Writes a prepared batch (or prepares it first, when `counts` is None);
        prepared afresh and written again when its documents changed meanwhile or
        a write failed on the way.
        """
        changes, pause = 0, 0.1
        give_up = time.monotonic() + self.patience.total_seconds()
        while True:
            try:
                if counts is None:
                    counts = await prepare()
                try:
                    await self._write(ctx, part, batch, counts)
                    return
                except UnknownCommit:
                    if await self._checkpointed(batch[-1][0]):
                        return
                    raise TransientTransactionError() from None
            except ConcurrentChange:
                ctx.forget_lookups()
                changes += 1
                if changes == _RETRIES:
                    raise
            except (TransientTransactionError, ConnectionFailure) as exc:
                # Mostly the open transaction of a worker that died holding these
                # documents (the server aborts it once idle for its lifetime, 60 s),
                # or a dropped connection.
                ctx.forget_lookups()
                if time.monotonic() > give_up:
                    raise DatabaseUnavailable(
                        f"The database failed every try to write rows "
                        f"{batch[0][2]}-{batch[-1][2]} for "
                        f"{self.patience.total_seconds():.0f} seconds ({_cause(exc)}). Rows "
                        "before them are imported; resume the import (importResume) when "
                        "the database is back.") from exc
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)
            counts = None

    async def _checkpointed(self, position: int) -> bool:
        """Whether the batch ending at `position` committed (its checkpoint is in the
        same transaction). A read that fails counts as not yet: the batch runs again.
        """
        try:
            raw = await ImportJob.collection().find_one(self.guard)
        except ConnectionFailure:
            return False
        if raw is None:
            raise LostLease()
        return int(raw.get("checkpoint_row", 0)) >= position

    async def _write(self, ctx: LoadContext, part: Part, batch: list[BatchRow],
                     counts: BatchCounts) -> None:
        """The batch's writes, its row issues, totals and checkpoint, in one
        transaction: a worker that dies mid-batch leaves nothing of it, so the batch
        runs again exactly, and the totals stay right.
        """
        try:
            with self.heartbeat.batch_writing():
                await self._transaction(ctx, part, batch, counts)
        except PyMongoError as exc:
            if exc.has_error_label("UnknownTransactionCommitResult"):
                raise UnknownCommit() from exc
            if exc.has_error_label("TransientTransactionError"):
                raise TransientTransactionError() from exc
            raise

    async def _transaction(self, ctx: LoadContext, part: Part, batch: list[BatchRow],
                           counts: BatchCounts) -> None:
        async with self.database.client.start_session() as session, \
                await session.start_transaction():
            await counts.write(replace(ctx, session=session))
            await self.record_issues(part, batch, counts, session)
            totals = ImportTotals(rows=len(batch), created=counts.created,
                                  updated=counts.updated, unchanged=counts.unchanged,
                                  failed=len(counts.failed), warned=len(counts.warned))
            increments = {k: v for k, v in totals.model_dump().items() if v}
            await self.update({
                "$set": {"checkpoint_row": batch[-1][0],
                         "lease_expires_at": utcnow() + self.lease},
                "$inc": {**{f"totals.{k}": v for k, v in increments.items()},
                         **{f"checkpoint_totals.{k}": v for k, v in increments.items()}},
                "$max": {"progress_row": batch[-1][0]},
            }, session)

    async def record_issues(self, part: Part, batch: list[BatchRow], counts: BatchCounts,
                             session: AsyncClientSession | None = None) -> None:
        """The errors of the failed rows and the warnings of the rows that landed."""
        where = {number: (position, seq) for position, seq, number, _ in batch}
        errors = [self._issue(ImportRowError, part, where[row.number], row, problem)
                  for row in counts.failed for problem in row.problems]
        # Warnings of every row, failed ones too: the error report shows them beside the errors.
        warnings = [{**self._issue(ImportRowWarning, part, where[row.number], row, problem),
                     "outcome": counts.outcomes.get(row.number)}
                    for row in (*counts.failed, *counts.warned) for problem in row.warnings]
        for kind, issues in ((ImportRowError, errors), (ImportRowWarning, warnings)):
            if issues:
                await kind.collection().insert_many(issues, session=session)

    def _issue(self, kind: type[ImportRowIssue], part: Part, where: tuple[int, int],
               row: SourceRow, problem: CellProblem) -> dict[str, Any]:
        column, value = problem.column, problem.value
        index = row.columns.get(problem.field) if problem.field else None
        if column is None and index is not None:  # a loader's finding
            column = column_name(index, part.headers)
            value = row.cells[index] if index < len(row.cells) else None
        issue = kind(org_id=self.job.org_id, job_id=self.job.id, sheet=part.sheet,
                     seq=where[1], position=where[0], row=row.number, column=column,
                     field=problem.field, value=value, code=problem.code,
                     message=problem.message, cells=row.cells).to_mongo()
        issue.pop("_id", None)
        return issue


def _cause(exc: BaseException) -> str:
    """The database's own words for the last failure."""
    cause = exc.__cause__ or exc
    return str(cause).split(", full error")[0][:200] or type(cause).__name__

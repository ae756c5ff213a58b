"""Import workers: run a claimed job (see importers/lease), streaming its rows
through the loaders in batches, a checkpoint after each, and finish with totals
and row issues.

Rows are imported in their *processing order*: the file's order, except that a
row billed to a customer whose row comes later waits for it, at the end of its
sheet (importers/scan). The checkpoint is a position in that order; a job taken
over or resumed goes on after it, with the totals as of it, so no row is
counted twice.

Loaders only read and decide (importers/batch); a batch's writes, row issues,
totals and checkpoint go in one transaction, while the next batch is being
prepared.
"""

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial
from typing import Any

from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, PyMongoError

from documents.base import utcnow
from documents.import_job import (
    ColumnDateOrder,
    ErrorPolicy,
    ImportJob,
    ImportRowError,
    ImportRowIssue,
    ImportRowWarning,
    ImportStatus,
    ImportTotals,
    MappedColumn,
)
from documents.organization import Organization, OrgSettings
from importers.batch import BatchCounts, ConcurrentChange
from importers.context import LoadContext
from importers.customer_loader import load_customers
from importers.dates import DateOrder
from importers.embedded_loader import CONTACTS, EQUIPMENT, SITES, load_embedded
from importers.errors import FileErrorCode, ImportFileError
from importers.fields import Entity
from importers.issues import RowIssueCode, RowOutcome
from importers.lease import LEASE, Heartbeat, LostLease, claim
from importers.mapping import column_name
from importers.product_loader import load_product_lines, load_products
from importers.readers import Cell, open_rows
from importers.row_keys import describe_key, row_key
from importers.rows import CellProblem, SourceRow, read_row
from importers.scan import PartPlan, scan

__all__ = ["LEASE", "JobRun", "claim", "uploads", "work", "worker_name"]

log = logging.getLogger(__name__)

BATCH_ROWS = 1000
_RETRIES = 3
# How long a batch keeps trying through transient failures (a dropped
# connection, a write conflict): longer than a dead worker's transaction lives
# on the server (60 s), which holds its documents till then.
PATIENCE = timedelta(seconds=90)

Loader = Callable[[LoadContext, list[SourceRow]], Awaitable[BatchCounts]]


LOADERS: dict[Entity, Loader] = {
    Entity.CUSTOMERS: load_customers,
    Entity.SITES: partial(load_embedded, SITES),
    Entity.CONTACTS: partial(load_embedded, CONTACTS),
    Entity.EQUIPMENT: partial(load_embedded, EQUIPMENT),
    Entity.PRODUCTS: load_products,
    Entity.PRODUCT_LINES: load_product_lines,
}

# (position in processing order, seq in the file, spreadsheet row number, cells)
BatchRow = tuple[int, int, int, list[Cell]]


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


class Stopping(Exception):
    """The worker is shutting down: the job is left for another, after the batch
    being written.
    """


class Aborted(Exception):
    """ABORT_ON_ERROR met a failed row: the job fails with this reason."""


def uploads(database: AsyncDatabase[dict[str, Any]]) -> AsyncGridFSBucket:
    return AsyncGridFSBucket(database, bucket_name="uploads")


@dataclass
class Part:
    """A sheet to read, the entity it holds, and how its columns map."""

    sheet: str | None
    entity: Entity
    headers: list[str]
    mapping: list[MappedColumn]
    has_headers: bool
    date_orders: dict[int, DateOrder] = field(default_factory=dict)


class JobRun:
    def __init__(self, job: ImportJob, database: AsyncDatabase[dict[str, Any]],
                 lease: timedelta = LEASE, patience: timedelta = PATIENCE,
                 stop: asyncio.Event | None = None) -> None:
        self.job = job
        self.lease = lease
        self.patience = patience
        self.stop = stop or asyncio.Event()
        self.database = database
        self.token = job.fencing_token
        self.heartbeat = Heartbeat(self._guard(), lease)
        self.deferred: dict[int, int] = {}
        self.cycles: set[int] = set()
        if job.parts:  # a TEMPLATE workbook: its sheets in dependency order
            self.parts = [Part(p.sheet, Entity(p.entity), p.headers, p.mapping, True)
                          for p in job.parts]
        else:
            self.parts = [Part(job.sheet, Entity(job.entity), job.headers, job.mapping,
                               job.has_headers)]

    def _guard(self) -> dict[str, Any]:
        return ImportJob.scoped(self.job.org_id, {"_id": self.job.id,
                                                  "fencing_token": self.token})

    async def _update(self, update: dict[str, Any],
                      session: AsyncClientSession | None = None) -> None:
        done = await ImportJob.collection().update_one(
            {**self._guard(), "cancel_requested": False}, update, session=session)
        if done.matched_count == 0:
            raise LostLease()

    def _data_rows(self, data: bytes) -> Iterator[tuple[int, int, int, list[Cell]]]:
        """(part index, seq, spreadsheet row number, cells) of each non-blank data
        row, in file order.
        """
        seq = 0
        for index, part in enumerate(self.parts):
            rows = open_rows(data, part.sheet).rows
            for number, cells in enumerate(rows, start=1):
                if (number > 1 or not part.has_headers) and any(c is not None for c in cells):
                    seq += 1
                    yield index, seq, number, cells

    def _ordered_rows(self, data: bytes) -> Iterator[tuple[int, BatchRow]]:
        """(part index, row) in processing order: each sheet's rows in file order,
        then its deferred rows (billed to a later row), each after the rows it waits for.
        """
        held: list[tuple[int, int, int, list[Cell]]] = []  # (depth, seq, number, cells)
        position = 0
        current = 0

        def release() -> Iterator[tuple[int, BatchRow]]:
            nonlocal position
            for _, seq, number, cells in sorted(held, key=lambda r: (r[0], r[1])):
                position += 1
                yield current, (position, seq, number, cells)
            held.clear()

        for index, seq, number, cells in self._data_rows(data):
            if index != current:
                yield from release()
                current = index
            if seq in self.deferred:
                held.append((self.deferred[seq], seq, number, cells))
                continue
            position += 1
            yield index, (position, seq, number, cells)
        yield from release()

    async def run(self) -> None:
        job = self.job
        try:
            if job.cancel_requested:  # cancelled while its worker was gone
                raise LostLease()
            stream = await uploads(self.database).open_download_stream(job.file_id)
            data = await stream.read()
            async with self.heartbeat:
                await self._process(data)
        except LostLease:
            still_ours = await ImportJob.collection().find_one(self._guard())
            if still_ours is not None and still_ours.get("cancel_requested"):
                await self._finish(ImportStatus.CANCELLED)
            else:
                log.info("import %s: another worker holds it now; stopping", job.id)
        except Stopping:
            # Claimable at once (a running job whose lease has expired), from its checkpoint.
            await ImportJob.collection().update_one(self._guard(), {"$set": {
                "lease_owner": None, "lease_expires_at": utcnow()}})
            log.info("import %s: left for another worker at shutdown", job.id)
        except ImportFileError as exc:
            await self._finish(ImportStatus.FAILED, exc.message)
        except (Aborted, DatabaseUnavailable) as exc:
            await self._finish(ImportStatus.FAILED, str(exc))
        except Exception:
            log.exception("import %s failed", job.id)
            await self._finish(ImportStatus.FAILED, "An unexpected error stopped the import; "
                               "it can be retried.")

    async def _first_pass(self, data: bytes, ctx: LoadContext, default: DateOrder) -> int:
        """Counts the rows, decides each date column's order, and learns what rows
        refer to (importers/scan), in a thread: the heartbeat keeps the lease meanwhile.
        """
        plans = [PartPlan(part.entity, part.mapping) for part in self.parts]
        found = await asyncio.to_thread(scan, plans, self._data_rows(data), ctx.match_by,
                                        default)
        self.heartbeat.check()
        if found.total > self.job.max_rows:
            raise ImportFileError(FileErrorCode.TOO_MANY_ROWS,
                                  f"The file has {found.total:,} rows; at most "
                                  f"{self.job.max_rows:,} are imported at once.")
        ctx.customer_rows, ctx.first_rows = found.customer_rows, found.first_rows
        self.deferred, self.cycles = found.deferred, found.cycles
        orders = []
        for (index, column), (order, from_values) in found.date_orders.items():
            self.parts[index].date_orders[column] = order
            orders.append(ColumnDateOrder(sheet=self.parts[index].sheet, column=column,
                                          order=order, from_values=from_values))
        # Resuming: what was recorded after the last checkpoint belongs to rows that run again.
        await self._update({"$set": {
            "total_rows": found.total, "started_at": self.job.started_at or utcnow(),
            "date_orders": [o.model_dump() for o in orders],
            "totals": self.job.checkpoint_totals.model_dump(),
            "progress_row": self.job.checkpoint_row}})
        for kind in (ImportRowError, ImportRowWarning):
            await kind.collection().delete_many(kind.scoped(
                self.job.org_id, {"job_id": self.job.id,
                                  "position": {"$gt": self.job.checkpoint_row}}))
        return found.total

    async def _process(self, data: bytes) -> None:
        job = self.job
        org = await Organization.get(job.org_id)
        settings = org.settings if org else OrgSettings()
        ctx = LoadContext(org_id=job.org_id, region=settings.default_region, mode=job.mode,
                          match_by=job.match_by, dry_run=job.dry_run,
                          import_date=job.created_at.date())
        await self._first_pass(data, ctx, DateOrder(settings.date_order))
        batches = self._batches(data)

        def read_ahead() -> tuple[Part, list[BatchRow], list[SourceRow]] | None:
            found = next(batches, None)
            return None if found is None else (*found, self._rows(ctx, *found))

        # Two overlaps keep both cores busy: the next batch is read and coerced in a
        # thread, and prepared (its documents read, its changes decided) while the
        # database writes the previous one, unless it depends on what that writes.
        ahead = asyncio.ensure_future(asyncio.to_thread(read_ahead))
        commit: asyncio.Future[None] | None = None
        committing: tuple[Part, set[str]] | None = None
        serial = job.error_policy is ErrorPolicy.ABORT_ON_ERROR
        try:
            while (prepared := await ahead) is not None:
                if self.stop.is_set():
                    raise Stopping()
                self.heartbeat.check()
                ahead = asyncio.ensure_future(asyncio.to_thread(read_ahead))
                part, batch, rows = prepared
                self.heartbeat.progress = batch[-1][0]
                if commit is not None and (serial or committing is None
                                           or committing[0] is not part):
                    await commit
                    commit = None
                counts: BatchCounts | None
                epoch = ctx.lookup_epoch
                try:
                    counts = await self._prepare(ctx, part, batch, rows)
                except ConnectionFailure:
                    counts = None  # prepared by _commit, once the database answers
                if commit is not None:
                    await commit
                    commit = None
                    if committing is not None and counts and (
                            counts.keys & committing[1] or ctx.lookup_epoch != epoch):
                        # It read documents the previous batch was writing, or lookups
                        # that batch failed to add: read again.
                        counts = None
                commit = asyncio.ensure_future(self._commit(ctx, part, batch, counts))
                # Unknown keys: the next batch waits for this one before it prepares.
                committing = None if counts is None else (part, counts.keys)
            if commit is not None:
                await commit
                commit = None
        finally:
            # Whatever stopped the loop: the batch being written finishes (or fails on
            # its own), and the thread leaves the file's iterator.
            for pending in (commit, ahead):
                if pending is not None:
                    with contextlib.suppress(Exception, asyncio.CancelledError):
                        await pending
        done = await self._current()
        failed = done.totals.failed
        await self._finish(ImportStatus.COMPLETED_WITH_ERRORS if failed else ImportStatus.SUCCEEDED)

    def _batches(self, data: bytes) -> Iterator[tuple[Part, list[BatchRow]]]:
        """The rows after the checkpoint, BATCH_ROWS at a time, a batch never
        spanning two sheets.
        """
        batch: list[BatchRow] = []
        batch_part: Part | None = None
        for index, row in self._ordered_rows(data):
            if row[0] <= self.job.checkpoint_row:
                continue
            part = self.parts[index]
            if batch and (len(batch) == BATCH_ROWS or part is not batch_part):
                assert batch_part is not None
                yield batch_part, batch
                batch = []
            batch_part = part
            batch.append(row)
        if batch:
            assert batch_part is not None
            yield batch_part, batch

    def _rows(self, ctx: LoadContext, part: Part, batch: list[BatchRow]) -> list[SourceRow]:
        index = self.parts.index(part)
        rows = []
        for _, seq, number, cells in batch:
            row = read_row(part.entity, part.mapping, part.headers, number, cells,
                           ctx.region, part.date_orders)
            if seq in self.cycles:
                row.fail(RowIssueCode.BILLING_CYCLE,
                         f"{row.values.get('billing_customer')!r} is billed, through rows of "
                         "this file, back to this row's customer: linking them would make a "
                         "cycle.", "billing_customer")
            key = row_key(part.entity, ctx.match_by, row.text)
            first = ctx.first_rows.get(f"{index}:{key}") if key is not None else None
            if first is not None and first != number:
                row.warn(RowIssueCode.DUPLICATE_IN_FILE,
                         f"Row {first} has the same {describe_key(part.entity, ctx.match_by)}; "
                         "this row was applied after it.")
            rows.append(row)
        return rows

    async def _prepare(self, ctx: LoadContext, part: Part, batch: list[BatchRow],
                       rows: list[SourceRow]) -> BatchCounts:
        """What the batch's coerced `rows` come to, nothing written yet. Under
        ABORT_ON_ERROR a bad row stops the job here, before its batch writes.
        """
        loader = LOADERS[part.entity]
        if self.job.error_policy is ErrorPolicy.ABORT_ON_ERROR:
            # A fresh lookup cache: what a trial "creates" is not written.
            trial = await _load(loader, replace(ctx, dry_run=True, _lookups={}, _pending={},
                                                landed=set(ctx.landed)), rows)
            if trial.failed:
                await self._record_issues(part, batch, trial)
                # Counted now; the rows after them are counted skipped when the job ends.
                await self._update({"$inc": {"totals.failed": len(trial.failed),
                                             "totals.rows": len(trial.failed)}})
                first = trial.failed[0]
                raise Aborted(f"Stopped at row {first.number} (nothing of rows "
                              f"{batch[0][2]}-{batch[-1][2]} was written): "
                              f"{first.problems[0].message}")
            rows = self._rows(ctx, part, batch)  # the trial marked them
        return await _load(loader, ctx, rows)

    async def _commit(self, ctx: LoadContext, part: Part, batch: list[BatchRow],
                      counts: BatchCounts | None) -> None:
        """Writes a prepared batch (or prepares it first, when `counts` is None);
        prepared afresh and written again when its documents changed meanwhile or
        a write failed on the way.
        """
        changes, pause = 0, 0.1
        give_up = time.monotonic() + self.patience.total_seconds()
        while True:
            try:
                if counts is None:
                    counts = await _load(LOADERS[part.entity], ctx, self._rows(ctx, part, batch))
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
            raw = await ImportJob.collection().find_one(self._guard())
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
            async with self.heartbeat.writing, self.database.client.start_session() as session, \
                    await session.start_transaction():
                await counts.write(replace(ctx, session=session))
                await self._record_issues(part, batch, counts, session)
                totals = ImportTotals(rows=len(batch), created=counts.created,
                                      updated=counts.updated, unchanged=counts.unchanged,
                                      failed=len(counts.failed), warned=len(counts.warned))
                increments = {k: v for k, v in totals.model_dump().items() if v}
                await self._update({
                    "$set": {"checkpoint_row": batch[-1][0],
                             "lease_expires_at": utcnow() + self.lease},
                    "$inc": {**{f"totals.{k}": v for k, v in increments.items()},
                             **{f"checkpoint_totals.{k}": v for k, v in increments.items()}},
                    "$max": {"progress_row": batch[-1][0]},
                }, session)
        except PyMongoError as exc:
            if exc.has_error_label("UnknownTransactionCommitResult"):
                raise UnknownCommit() from exc
            if exc.has_error_label("TransientTransactionError"):
                raise TransientTransactionError() from exc
            raise

    async def _record_issues(self, part: Part, batch: list[BatchRow], counts: BatchCounts,
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

    async def _current(self) -> ImportJob:
        raw = await ImportJob.collection().find_one(self._guard())
        if raw is None:
            raise LostLease()
        job: ImportJob = ImportJob.model_validate(raw)
        return job

    async def _finish(self, status: ImportStatus, reason: str | None = None) -> None:
        """Ends the job. Rows it never reached (cancelled, aborted or failed on the
        way) are counted skipped, so the totals add up to the file's rows.
        """
        raw = await ImportJob.collection().find_one(self._guard())
        update: dict[str, Any] = {"$set": {
            "status": status, "failure_reason": reason, "finished_at": utcnow(),
            "lease_owner": None, "lease_expires_at": None}}
        if raw is not None:
            job = ImportJob.model_validate(raw)
            unreached = (job.total_rows or 0) - job.totals.rows
            if unreached > 0:
                update["$inc"] = {"totals.rows": unreached, "totals.skipped": unreached}
        await ImportJob.collection().update_one(self._guard(), update)


async def _load(loader: Loader, ctx: LoadContext, rows: list[SourceRow]) -> BatchCounts:
    """The loader's counts of `rows`; a row whose cells can't be told apart (more
    values than headers) fails without reaching it.
    """
    unreadable = [r for r in rows if any(p.code is RowIssueCode.ROW_HAS_EXTRA_CELLS
                                         for p in r.problems)]
    skip = {id(r) for r in unreadable}
    counts = await loader(ctx, [r for r in rows if id(r) not in skip] if skip else rows)
    for row in unreadable:
        counts.record(row, RowOutcome.FAILED)
    return counts


def _cause(exc: BaseException) -> str:
    """The database's own words for the last failure."""
    cause = exc.__cause__ or exc
    return str(cause).split(", full error")[0][:200] or type(cause).__name__


def worker_name(index: int) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{index}"


async def work(database: AsyncDatabase[dict[str, Any]], owner: str, stop: asyncio.Event,
               lease: timedelta = LEASE, idle_seconds: float = 0.5,
               patience: timedelta = PATIENCE) -> None:
    """Claim and run jobs until `stop` is set. Nothing here ends the loop but `stop`."""
    while not stop.is_set():
        try:
            job = await claim(owner, lease=lease)
            if job is not None:
                await JobRun(job, database, lease, patience, stop).run()
                continue
        except Exception:
            log.exception("import worker %s: claim failed; retrying", owner)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), idle_seconds)

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
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Any

from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure

from documents.base import utcnow
from documents.import_job import (
    ColumnDateOrder,
    ErrorPolicy,
    ImportJob,
    ImportRowError,
    ImportRowWarning,
    ImportStatus,
)
from documents.organization import Organization, OrgSettings
from importers.batch import BatchCounts
from importers.batch_commit import BatchCommit, DatabaseUnavailable
from importers.context import LoadContext
from importers.customer_loader import load_customers
from importers.dates import DateOrder
from importers.embedded_loader import CONTACTS, EQUIPMENT, SITES, load_embedded
from importers.errors import FileErrorCode, ImportFileError
from importers.fields import Entity
from importers.issues import RowIssueCode, RowOutcome
from importers.lease import LEASE, Heartbeat, LostLease, claim
from importers.parts import BatchRow, Part, data_rows
from importers.parts import batches as parts_batches
from importers.product_loader import load_product_lines, load_products
from importers.row_keys import describe_key, row_key
from importers.rows import SourceRow, read_row
from importers.scan import PartPlan, scan

__all__ = ["LEASE", "JobRun", "claim", "uploads", "work", "worker_name"]

log = logging.getLogger(__name__)

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

class Stopping(Exception):
    """The worker is shutting down: the job is left for another, after the batch
    being written.
    """


class Aborted(Exception):
    """ABORT_ON_ERROR met a failed row: the job fails with this reason."""


def uploads(database: AsyncDatabase[dict[str, Any]]) -> AsyncGridFSBucket:
    return AsyncGridFSBucket(database, bucket_name="uploads")


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
        self.writer = BatchCommit(job, self._guard(), self.heartbeat, database, lease, patience)
        self.deferred: dict[int, int] = {}
        self.cycles: set[int] = set()
        self.total_rows: int | None = None  # once the first pass has counted them
        if job.parts:  # a TEMPLATE workbook: its sheets in dependency order
            self.parts = [Part(p.sheet, Entity(p.entity), p.headers, p.mapping, True,
                               max_columns=job.max_columns) for p in job.parts]
        else:
            # Data starts under the job's header row; a template's sheets (above)
            # have theirs on row 1, Part's default.
            self.parts = [Part(job.sheet, Entity(job.entity), job.headers, job.mapping,
                               job.has_headers, header_row=job.header_row,
                               max_columns=job.max_columns)]

    def _guard(self) -> dict[str, Any]:
        return ImportJob.scoped(self.job.org_id, {"_id": self.job.id,
                                                  "fencing_token": self.token})

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
        found = await asyncio.to_thread(scan, plans, data_rows(self.parts, data), ctx.match_by,
                                        default)
        self.total_rows = found.total
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
        await self.writer.update({"$set": {
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
        batches = parts_batches(self.parts, self.deferred, data, job.checkpoint_row)

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
                commit = asyncio.ensure_future(self.writer.commit(
                    ctx, part, batch, counts, partial(self._prepare_again, ctx, part, batch)))
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

    def _rows(self, ctx: LoadContext, part: Part, batch: list[BatchRow]) -> list[SourceRow]:
        index = self.parts.index(part)
        rows = []
        for position, seq, number, cells in batch:
            # Progress moves row by row as rows are read and checked (the heartbeat
            # publishes it), at most a batch ahead of what is written.
            self.heartbeat.progress = max(self.heartbeat.progress, position)
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

    async def _prepare_again(self, ctx: LoadContext, part: Part,
                             batch: list[BatchRow]) -> BatchCounts:
        """The batch read and prepared afresh (its documents changed, or it was
        not prepared), for BatchCommit.
        """
        return await _load(LOADERS[part.entity], ctx, self._rows(ctx, part, batch))

    async def _prepare(self, ctx: LoadContext, part: Part, batch: list[BatchRow],
                       rows: list[SourceRow]) -> BatchCounts:
        """What the batch's coerced `rows` come to, nothing written yet. Under
        ABORT_ON_ERROR a bad row stops the job here, before its batch writes.
        """
        loader = LOADERS[part.entity]
        if self.job.error_policy is ErrorPolicy.ABORT_ON_ERROR:
            # A fresh lookup cache: what a trial "creates" is not written.
            trial = await _load(loader, replace(ctx, dry_run=True, _lookups={}, _pending={},
                                                _claimed=set(), landed=set(ctx.landed)), rows)
            if trial.failed:
                await self.writer.record_issues(part, batch, trial)
                # Counted now; the rows after them are counted skipped when the job ends.
                await self.writer.update({"$inc": {"totals.failed": len(trial.failed),
                                             "totals.rows": len(trial.failed)}})
                first = trial.failed[0]
                raise Aborted(f"Stopped at row {first.number} (nothing of rows "
                              f"{batch[0][2]}-{batch[-1][2]} was written): "
                              f"{first.problems[0].message}")
            rows = self._rows(ctx, part, batch)  # the trial marked them
        return await _load(loader, ctx, rows)

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
            total = job.total_rows if job.total_rows is not None else self.total_rows
            if total is not None:
                update["$set"]["total_rows"] = total
            unreached = (total or 0) - job.totals.rows
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

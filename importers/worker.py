"""Import workers: claim a queued job, stream its rows through the loaders in
batches, checkpoint after each, and finish with totals and row errors.

A claim is one findOneAndUpdate that takes a QUEUED job, or a RUNNING one
whose lease expired (its worker died), and bumps the job's fencing token.
Every later write of the job is filtered on that token, so a worker that
stalled past its lease finds its writes refused and stops. A job taken over
resumes after its last checkpoint; upserts keyed on names make a replayed
batch harmless.

Loaders only read and decide (importers/batch); a batch's writes, row errors
and checkpoint go in one transaction, while the next batch is being prepared.
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

from beanie import PydanticObjectId
from gridfs import AsyncGridFSBucket
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, PyMongoError

from documents.base import utcnow
from documents.customer import BillingArrangement, Customer
from documents.import_job import (
    ColumnDateOrder,
    ErrorPolicy,
    ImportJob,
    ImportRowError,
    ImportStatus,
    ImportTotals,
    MappedColumn,
)
from documents.organization import Organization, OrgSettings
from documents.text import name_key
from importers.batch import BatchCounts, ConcurrentChange
from importers.context import LoadContext
from importers.customer_loader import NAME_FIELDS, load_customers, row_name
from importers.dates import DateOrder, detect_order
from importers.embedded_loader import CONTACTS, EQUIPMENT, SITES, load_embedded
from importers.errors import FileErrorCode, ImportFileError
from importers.fields import Entity, FieldType, field_for
from importers.mapping import column_name
from importers.product_loader import load_product_lines, load_products
from importers.readers import Cell, open_rows
from importers.rows import SourceRow, cell_text, read_row

log = logging.getLogger(__name__)

BATCH_ROWS = 1000
LEASE = timedelta(seconds=30)
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


class LostLease(Exception):
    """Another worker holds the job now (or it was cancelled): stop quietly."""


class Aborted(Exception):
    """ABORT_ON_ERROR met a failed row: the job fails with this reason."""


def uploads(database: AsyncDatabase[dict[str, Any]]) -> AsyncGridFSBucket:
    return AsyncGridFSBucket(database, bucket_name="uploads")


async def claim(owner: str, job_id: PydanticObjectId | None = None,
                lease: timedelta = LEASE) -> ImportJob | None:
    """Take a queued job (or a running one whose worker's lease expired)."""
    now = utcnow()
    claimable: dict[str, Any] = {
        "$or": [{"status": ImportStatus.QUEUED},
                {"status": ImportStatus.RUNNING, "lease_expires_at": {"$lt": now}}]}
    raw = await ImportJob.collection().find_one_and_update(
        claimable if job_id is None else {"_id": job_id, **claimable},
        {"$set": {"status": ImportStatus.RUNNING, "lease_owner": owner,
                  "lease_expires_at": now + lease},
         "$inc": {"fencing_token": 1}},
        sort=[("created_at", 1)],
        return_document=ReturnDocument.AFTER,
    )
    return None if raw is None else ImportJob.model_validate(raw)


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

    def _data_rows(self, data: bytes) -> Iterator[tuple[int, int, list[Cell]]]:
        """(part index, spreadsheet row number, cells) of each non-blank data row, in order."""
        for index, part in enumerate(self.parts):
            rows = open_rows(data, part.sheet, self.job.max_columns).rows
            for number, cells in enumerate(rows, start=1):
                if (number > 1 or not part.has_headers) and any(c is not None for c in cells):
                    yield index, number, cells

    async def run(self) -> None:
        job = self.job
        try:
            stream = await uploads(self.database).open_download_stream(job.file_id)
            data = await stream.read()
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
        """Counts the rows, collects customer names (for links to later rows) and
        decides the order of each date column from all its values.
        """
        date_texts: dict[tuple[int, int], list[str]] = {}
        for index, part in enumerate(self.parts):
            for m in part.mapping:
                target = field_for(part.entity, m.field)
                if target is not None and target.type is FieldType.DATE:
                    date_texts[(index, m.column)] = []
        # Reading the whole file is CPU-bound: in a thread, so the service's event
        # loop keeps answering meanwhile (calamine releases the GIL as it parses).
        total = await asyncio.to_thread(self._scan, data, ctx, date_texts)
        if total > self.job.max_rows:
            raise ImportFileError(FileErrorCode.TOO_MANY_ROWS,
                                  f"The file has {total:,} rows; at most "
                                  f"{self.job.max_rows:,} are imported at once.")
        orders = []
        for (index, column), texts in date_texts.items():
            order, from_values = detect_order(texts, default)
            self.parts[index].date_orders[column] = order
            orders.append(ColumnDateOrder(sheet=self.parts[index].sheet, column=column,
                                          order=order, from_values=from_values))
        await self._update({"$set": {
            "total_rows": total, "started_at": self.job.started_at or utcnow(),
            "date_orders": [o.model_dump() for o in orders]}})
        return total

    def _scan(self, data: bytes, ctx: LoadContext,
              date_texts: dict[tuple[int, int], list[str]]) -> int:
        """The first pass's reading: counts the data rows, collects date texts
        into `date_texts` and the file's customer names into `ctx`.
        """
        total = 0
        for index, _, cells in self._data_rows(data):
            total += 1
            part = self.parts[index]
            for (part_index, column), texts in date_texts.items():
                if part_index == index and column < len(cells) and isinstance(cells[column], str):
                    texts.append(str(cells[column]))
            if part.entity is Entity.CUSTOMERS:
                # Only the name columns: coercing whole rows twice would double the work.
                name = row_name({m.field: cell_text(cells[m.column]) for m in part.mapping
                                 if m.field in NAME_FIELDS and m.column < len(cells)})
                if name:
                    ctx.names_in_file.add(name_key(name))
        return total

    async def _process(self, data: bytes) -> None:
        job = self.job
        org = await Organization.get(job.org_id)
        settings = org.settings if org else OrgSettings()
        ctx = LoadContext(org_id=job.org_id, region=settings.default_region, mode=job.mode,
                          dry_run=job.dry_run, import_date=job.created_at.date())
        await self._first_pass(data, ctx, DateOrder(settings.date_order))
        # Resuming: errors recorded after the last checkpoint belong to a batch that runs again.
        await ImportRowError.collection().delete_many(ImportRowError.scoped(
            job.org_id, {"job_id": job.id, "seq": {"$gt": job.checkpoint_row}}))
        batches = self._batches(data)

        def read_ahead() -> tuple[Part, list[tuple[int, int, list[Cell]]], list[SourceRow]] | None:
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
                ahead = asyncio.ensure_future(asyncio.to_thread(read_ahead))
                part, batch, rows = prepared
                if commit is not None and (serial or committing is None
                                           or committing[0] is not part):
                    await commit
                    commit = None
                counts: BatchCounts | None
                try:
                    counts = await self._prepare(ctx, part, batch, rows)
                except ConnectionFailure:
                    counts = None  # prepared by _commit, once the database answers
                if commit is not None:
                    await commit
                    commit = None
                    if committing is not None and counts and counts.keys & committing[1]:
                        # It read documents the previous batch was writing: read again.
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
        if done.deferred_links and not job.dry_run:
            await _link_billing(job.org_id, done.deferred_links)
        failed = done.totals.failed
        await self._finish(ImportStatus.COMPLETED_WITH_ERRORS if failed else ImportStatus.SUCCEEDED)

    def _batches(self, data: bytes) -> Iterator[tuple[Part, list[tuple[int, int, list[Cell]]]]]:
        """The rows after the checkpoint, BATCH_ROWS at a time, a batch never
        spanning two sheets: (part, [(seq, row number, cells)]).
        """
        batch: list[tuple[int, int, list[Cell]]] = []
        batch_part: Part | None = None
        for seq, (index, number, cells) in enumerate(self._data_rows(data), start=1):
            if seq <= self.job.checkpoint_row:
                continue
            part = self.parts[index]
            if batch and (len(batch) == BATCH_ROWS or part is not batch_part):
                assert batch_part is not None
                yield batch_part, batch
                batch = []
            batch_part = part
            batch.append((seq, number, cells))
        if batch:
            assert batch_part is not None
            yield batch_part, batch

    @staticmethod
    def _rows(ctx: LoadContext, part: Part,
              batch: list[tuple[int, int, list[Cell]]]) -> list[SourceRow]:
        return [read_row(part.entity, part.mapping, part.headers, number, cells,
                         ctx.region, part.date_orders)
                for _, number, cells in batch]

    async def _prepare(self, ctx: LoadContext, part: Part,
                       batch: list[tuple[int, int, list[Cell]]],
                       rows: list[SourceRow]) -> BatchCounts:
        """What the batch's coerced `rows` come to, nothing written yet. Under
        ABORT_ON_ERROR a bad row stops the job here, before its batch writes.
        """
        loader = LOADERS[part.entity]
        if self.job.error_policy is ErrorPolicy.ABORT_ON_ERROR:
            # A fresh lookup cache: what a trial "creates" is not written.
            trial = await loader(replace(ctx, dry_run=True, _lookups={}), rows)
            if trial.failed:
                seqs = {number: seq for seq, number, _ in batch}
                await self._record_errors(part, seqs, trial.failed)
                await self._update({"$inc": {"totals.failed": len(trial.failed),
                                             "totals.rows": len(batch)}})
                first = trial.failed[0]
                raise Aborted(f"Stopped at row {first.number} (nothing of rows "
                              f"{batch[0][1]}-{batch[-1][1]} was written): "
                              f"{first.problems[0].message}")
            rows = self._rows(ctx, part, batch)  # the trial marked them
        return await loader(ctx, rows)

    async def _commit(self, ctx: LoadContext, part: Part,
                      batch: list[tuple[int, int, list[Cell]]],
                      counts: BatchCounts | None) -> None:
        """Writes a prepared batch (or prepares it first, when `counts` is None);
        prepared afresh and written again when its documents changed meanwhile or
        a write failed on the way.
        """
        seqs = {number: seq for seq, number, _ in batch}
        changes, pause = 0, 0.1
        give_up = time.monotonic() + self.patience.total_seconds()
        while True:
            try:
                if counts is None:
                    counts = await LOADERS[part.entity](ctx, self._rows(ctx, part, batch))
                try:
                    await self._write(ctx, seqs, part, counts, len(batch))
                    return
                except UnknownCommit:
                    if await self._checkpointed(max(seqs.values())):
                        return
                    raise TransientTransactionError() from None
            except ConcurrentChange:
                changes += 1
                if changes == _RETRIES:
                    raise
            except (TransientTransactionError, ConnectionFailure) as exc:
                # Mostly the open transaction of a worker that died holding these
                # documents (the server aborts it once idle for its lifetime, 60 s),
                # or a dropped connection.
                if time.monotonic() > give_up:
                    raise DatabaseUnavailable(
                        f"The database failed every try to write rows "
                        f"{min(seqs)}-{max(seqs)} for {self.patience.total_seconds():.0f} "
                        f"seconds ({_cause(exc)}). Rows before them are imported; resume "
                        "the import (importResume) when the database is back.") from exc
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)
            counts = None

    async def _checkpointed(self, seq: int) -> bool:
        """Whether the batch ending at `seq` committed (its checkpoint is in the
        same transaction). A read that fails counts as not yet: the batch runs again.
        """
        try:
            raw = await ImportJob.collection().find_one(self._guard())
        except ConnectionFailure:
            return False
        if raw is None:
            raise LostLease()
        return int(raw.get("checkpoint_row", 0)) >= seq

    async def _write(self, ctx: LoadContext, seqs: dict[int, int], part: Part,
                     counts: BatchCounts, size: int) -> None:
        """The batch's writes, its row errors and its checkpoint, in one transaction:
        a worker that dies mid-batch leaves nothing of it, so the batch runs again
        exactly, and the totals stay right.
        """
        try:
            async with self.database.client.start_session() as session, \
                    await session.start_transaction():
                await counts.write(replace(ctx, session=session))
                await self._record_errors(part, seqs, counts.failed, session)
                totals = ImportTotals(rows=size, created=counts.created,
                                      updated=counts.updated, unchanged=counts.unchanged,
                                      failed=len(counts.failed))
                update: dict[str, Any] = {
                    "$set": {"checkpoint_row": max(seqs.values()),
                             "lease_expires_at": utcnow() + self.lease},
                    "$inc": {f"totals.{k}": v for k, v in totals.model_dump().items() if v},
                }
                if counts.deferred_links:
                    update["$push"] = {"deferred_links": {"$each": counts.deferred_links}}
                await self._update(update, session)
        except PyMongoError as exc:
            if exc.has_error_label("UnknownTransactionCommitResult"):
                raise UnknownCommit() from exc
            if exc.has_error_label("TransientTransactionError"):
                raise TransientTransactionError() from exc
            raise

    async def _record_errors(self, part: Part, seqs: dict[int, int], failed: list[SourceRow],
                             session: AsyncClientSession | None = None) -> None:
        columns = {m.field: m.column for m in part.mapping}
        errors = []
        for row in failed:
            for problem in row.problems:
                column, value = problem.column, problem.value
                if column is None and problem.field in columns:  # a loader's finding
                    index = columns[problem.field]
                    column = column_name(index, part.headers)
                    value = row.cells[index] if index < len(row.cells) else None
                errors.append(ImportRowError(
                    org_id=self.job.org_id, job_id=self.job.id, sheet=part.sheet,
                    seq=seqs[row.number], row=row.number, column=column, field=problem.field,
                    value=value, code=problem.code, message=problem.message, cells=row.cells,
                ).to_mongo())
        for error in errors:
            error.pop("_id", None)
        if errors:
            await ImportRowError.collection().insert_many(errors, session=session)

    async def _current(self) -> ImportJob:
        raw = await ImportJob.collection().find_one(self._guard())
        if raw is None:
            raise LostLease()
        job: ImportJob = ImportJob.model_validate(raw)
        return job

    async def _finish(self, status: ImportStatus, reason: str | None = None) -> None:
        await ImportJob.collection().update_one(self._guard(), {"$set": {
            "status": status, "failure_reason": reason, "finished_at": utcnow(),
            "lease_owner": None, "lease_expires_at": None}})


async def _link_billing(org_id: PydanticObjectId, links: list[tuple[str, str]]) -> None:
    """Links to billing customers that came later in the file than their tenants."""
    keys = sorted({key for pair in links for key in pair})
    found = {doc.name_key: doc for doc in await Customer.find_any(
        org_id, "name_key", keys)}
    for tenant_key, billing_key in links:
        tenant, billing = found.get(tenant_key), found.get(billing_key)
        if tenant is None or billing is None or billing.id is None:
            continue
        arrangement = BillingArrangement(billing_customer_id=billing.id)
        await Customer.collection().update_one(
            Customer.scoped(org_id, {"_id": tenant.id, "version": tenant.version}),
            {"$set": {"billing": arrangement.model_dump(), "updated_at": utcnow()},
             "$inc": {"version": 1}})


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

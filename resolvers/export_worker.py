"""Export workers: claim a queued export, write its file a batch at a time to
a temporary file, store it in GridFS, and delete files past their day.

A claim is one findOneAndUpdate with a lease and a fencing token, as import
workers do (importers/worker): each batch's progress write is filtered on the
token and renews the lease, so a worker that stalled past its lease finds its
writes refused and stops, and a dead worker's export is taken over (an export
starts again from the top: it writes nothing until its file is complete).
"""

import asyncio
import contextlib
import io
import logging
import tempfile
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import IO, Any

from gridfs import AsyncGridFSBucket
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from documents.base import utcnow
from documents.export_job import EXPORT_LIFETIME, ExportFormat, ExportJob, ExportStatus
from documents.organization import Organization, OrgSettings
from importers.export_files import CsvExport, XlsxExport
from importers.export_rows import (
    Names,
    Value,
    contact_rows,
    customer_row,
    equipment_rows,
    product_line_row,
    product_row,
    site_rows,
)
from importers.fields import Entity
from importers.template import SHEET_ORDER, sheet_titles
from resolvers import export_reads as reads

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
SWEEP_EVERY = timedelta(minutes=5)


def exports(database: AsyncDatabase[dict[str, Any]]) -> AsyncGridFSBucket:
    return AsyncGridFSBucket(database, bucket_name="exports")


class LostLease(Exception):
    """Another worker holds the export now: stop, storing nothing."""


class Stopping(Exception):
    """The worker is shutting down: the export is left for another."""


async def claim_export(owner: str, lease: timedelta = LEASE,
                       job_id: Any = None) -> ExportJob | None:
    """Take the oldest queued export (or a running one whose worker's lease
    expired); `job_id`: that one only.
    """
    now = utcnow()
    claimable: dict[str, Any] = {
        "$or": [{"status": ExportStatus.QUEUED},
                {"status": ExportStatus.RUNNING, "lease_expires_at": {"$lt": now}}]}
    raw = await ExportJob.collection().find_one_and_update(
        claimable if job_id is None else {"_id": job_id, **claimable},
        {"$set": {"status": ExportStatus.RUNNING, "lease_owner": owner,
                  "lease_expires_at": now + lease, "started_at": now, "rows": 0},
         "$inc": {"fencing_token": 1}},
        sort=[("created_at", 1)],
        return_document=ReturnDocument.AFTER,
    )
    return None if raw is None else ExportJob.model_validate(raw)


def entities_of(entity: Entity) -> tuple[Entity, ...]:
    """The sheets of an export: the whole template, or the one entity."""
    return SHEET_ORDER if entity is Entity.TEMPLATE else (entity,)


async def entity_rows(job: ExportJob, entity: Entity,
                      names: Names, custom: list[str]) -> AsyncIterator[list[list[Value]]]:
    """Batches of rows of one sheet, as the list queries select them."""
    org_id, given = job.org_id, job.filter
    if entity is Entity.PRODUCTS:
        async for batch in reads.product_batches(org_id, given.get("products", {})):
            yield [product_row(raw) for raw in batch]
    elif entity is Entity.PRODUCT_LINES:
        async for batch in reads.line_batches(org_id, given.get("product_lines", {})):
            await reads.names_for(org_id, names, {r["customer_id"] for r in batch},
                                  {r["product_id"] for r in batch})
            yield [product_line_row(raw, names) for raw in batch]
    elif entity is Entity.SITES:
        query = given.get("sites", {})
        async for batch in reads.site_customer_batches(org_id, query):
            yield [row for raw in batch for site, row in site_rows(raw)
                   if reads.site_selected(site, query)]
    else:
        async for batch in reads.customer_batches(org_id, given.get("customers", {})):
            if entity is Entity.CUSTOMERS:
                billing = {(r.get("billing") or {}).get("billing_customer_id") for r in batch}
                await reads.names_for(org_id, names, billing, set())
                yield [customer_row(raw, names, custom) for raw in batch]
            elif entity is Entity.CONTACTS:
                yield [row for raw in batch for row in contact_rows(raw)]
            else:
                yield [row for raw in batch for row in equipment_rows(raw)]


def file_name(job: ExportJob, customer_label: str) -> str:
    entity = Entity(job.entity)
    title = ("import-template" if entity is Entity.TEMPLATE
             else sheet_titles(entity, customer_label)[0].lower().replace(" ", "-"))
    return f"{title}-{job.created_at:%Y%m%d-%H%M%S}.{job.format.value.lower()}"


class ExportRun:
    def __init__(self, job: ExportJob, database: AsyncDatabase[dict[str, Any]],
                 lease: timedelta = LEASE, stop: asyncio.Event | None = None) -> None:
        self.job = job
        self.database = database
        self.lease = lease
        self.stop = stop or asyncio.Event()

    def _guard(self) -> dict[str, Any]:
        return ExportJob.scoped(self.job.org_id, {"_id": self.job.id,
                                                  "fencing_token": self.job.fencing_token})

    async def _update(self, fields: dict[str, Any]) -> None:
        done = await ExportJob.collection().update_one(self._guard(), {"$set": fields})
        if done.matched_count == 0:
            raise LostLease()

    async def run(self) -> None:
        try:
            await self._export()
        except LostLease:
            log.info("export %s: another worker holds it now; stopping", self.job.id)
        except Stopping:
            await ExportJob.collection().update_one(self._guard(), {"$set": {
                "status": ExportStatus.QUEUED, "lease_owner": None, "lease_expires_at": None}})
        except Exception:
            log.exception("export %s failed", self.job.id)
            await ExportJob.collection().update_one(self._guard(), {"$set": {
                "status": ExportStatus.FAILED, "finished_at": utcnow(),
                "failure_reason": "An unexpected error stopped the export; start it again."}})

    async def _export(self) -> None:
        job = self.job
        org = await Organization.get(job.org_id)
        label = (org.settings if org else OrgSettings()).customer_label
        names = Names(lookups=await reads.lookup_names(job.org_id))
        with tempfile.TemporaryFile() as out:
            await self._write(out, label, names)
            out.seek(0)
            name = file_name(job, label)
            file_id = await exports(self.database).upload_from_stream(
                name, out, metadata={"org_id": job.org_id, "export_id": job.id})
        try:
            await self._update({"status": ExportStatus.SUCCEEDED, "file_id": file_id,
                                "file_name": name, "finished_at": utcnow()})
        except LostLease:
            await exports(self.database).delete(file_id)  # the new holder writes its own
            raise

    async def _write(self, out: IO[bytes], label: str, names: Names) -> None:
        job = self.job
        entities = entities_of(Entity(job.entity))
        text = None
        if job.format is ExportFormat.CSV:
            text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
            writer: CsvExport | XlsxExport = CsvExport(label, text)
        else:
            lists = await reads.template_lists(job.org_id) if len(entities) > 1 else None
            writer = XlsxExport(label, lists)
        expected = 0
        for entity in entities:
            expected += await reads.expected_rows(job.org_id, entity, job.filter)
        await self._update({"expected_rows": expected})
        written = 0
        for entity in entities:
            custom = await reads.custom_labels(job.org_id) if entity is Entity.CUSTOMERS else []
            writer.begin(sheet_titles(entity, label)[0], entity, custom)
            async for rows in entity_rows(job, entity, names, custom):
                # Cells are CPU work: off the event loop, which serves requests meanwhile.
                await asyncio.to_thread(_append_all, writer, rows)
                written += len(rows)
                if self.stop.is_set():
                    raise Stopping()
                await self._update({"rows": written,
                                    "lease_expires_at": utcnow() + self.lease})
        if isinstance(writer, XlsxExport):
            await asyncio.to_thread(writer.save, out)
        elif text is not None:
            text.detach()  # the temporary file stays open for the upload
        await self._update({"rows": written})


def _append_all(writer: CsvExport | XlsxExport, rows: list[list[Value]]) -> None:
    for row in rows:
        writer.append(row)


async def sweep(database: AsyncDatabase[dict[str, Any]]) -> int:
    """Deletes export files older than their lifetime (their jobs expire by a
    TTL index); how many.
    """
    bucket = exports(database)
    old = database["exports.files"].find({"uploadDate": {"$lt": utcnow() - EXPORT_LIFETIME}},
                                         {"_id": 1})
    deleted = 0
    async for raw in old:
        with contextlib.suppress(Exception):  # gone meanwhile (another worker's sweep)
            await bucket.delete(raw["_id"])
            deleted += 1
    return deleted


async def work_exports(database: AsyncDatabase[dict[str, Any]], owner: str,
                       stop: asyncio.Event, lease: timedelta = LEASE,
                       idle_seconds: float = 0.5) -> None:
    """Claim and run exports until `stop` is set, sweeping expired files now and then."""
    last_sweep = None
    while not stop.is_set():
        try:
            if last_sweep is None or utcnow() - last_sweep > SWEEP_EVERY:
                last_sweep = utcnow()
                await sweep(database)
            job = await claim_export(owner, lease)
            if job is not None:
                await ExportRun(job, database, lease, stop).run()
                continue
        except Exception:
            log.exception("export worker %s: claim failed; retrying", owner)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), idle_seconds)

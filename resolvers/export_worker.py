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
import pickle  # our own spool file of our own rows, never anything received
import tempfile
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import IO, Any

from bson import ObjectId
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
    custom_values,
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


# GridFS's default chunk size, and how many chunks go to the database in one write.
CHUNK_BYTES = 255 * 1024
CHUNKS_PER_WRITE = 8


def _read_chunks(source: IO[bytes], count: int) -> list[bytes]:
    chunks: list[bytes] = []
    while len(chunks) < count and (data := source.read(CHUNK_BYTES)):
        chunks.append(data)
    return chunks


async def store_file(database: AsyncDatabase[dict[str, Any]], name: str, source: IO[bytes],
                     metadata: dict[str, Any]) -> ObjectId:
    """`source` as a file of the exports GridFS bucket, written a few chunks at a
    time: PyMongo's upload_from_stream holds up to 32 MB of chunks before it
    writes any, so an export's peak memory grew with its file. The documents
    (and indexes) are GridFS's own, so its readers download the file as any other.
    """
    files, chunks = database["exports.files"], database["exports.chunks"]
    await chunks.create_index([("files_id", 1), ("n", 1)], unique=True)
    await files.create_index([("filename", 1), ("uploadDate", 1)])
    file_id, written, length = ObjectId(), 0, 0
    try:
        while batch := await asyncio.to_thread(_read_chunks, source, CHUNKS_PER_WRITE):
            await chunks.insert_many([{"files_id": file_id, "n": written + n, "data": data}
                                      for n, data in enumerate(batch)])
            written += len(batch)
            length += sum(map(len, batch))
        await files.insert_one({"_id": file_id, "length": length, "chunkSize": CHUNK_BYTES,
                                "uploadDate": utcnow(), "filename": name,
                                "metadata": metadata})
    except BaseException:
        await chunks.delete_many({"files_id": file_id})
        raise
    return file_id


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
                  "lease_expires_at": now + lease, "started_at": now, "rows": 0,
                  "progress": 0.0},
         "$inc": {"fencing_token": 1}},
        sort=[("created_at", 1)],
        return_document=ReturnDocument.AFTER,
    )
    return None if raw is None else ExportJob.model_validate(raw)


def entities_of(entity: Entity) -> tuple[Entity, ...]:
    """The sheets of an export: the whole template, or the one entity."""
    return SHEET_ORDER if entity is Entity.TEMPLATE else (entity,)


Batch = tuple[int, list[list[Value]], list[dict[str, str]]]  # (documents, rows, custom fields)


async def entity_rows(job: ExportJob, entity: Entity, names: Names) -> AsyncIterator[Batch]:
    """Batches of rows of one sheet, as the list queries select them, with how
    many documents each read (and, for customers, each row's custom fields).
    Cells are CPU work: built off the event loop, which serves requests meanwhile.
    """
    org_id, given = job.org_id, job.filter
    if entity is Entity.PRODUCTS:
        async for batch in reads.product_batches(org_id, given.get("products", {})):
            yield len(batch), await asyncio.to_thread(lambda b: [product_row(r) for r in b],
                                                      batch), []
    elif entity is Entity.PRODUCT_LINES:
        async for batch in reads.line_batches(org_id, given.get("product_lines", {})):
            await reads.names_for(org_id, names, {r["customer_id"] for r in batch},
                                  {r["product_id"] for r in batch})
            yield len(batch), await asyncio.to_thread(
                lambda b: [product_line_row(r, names) for r in b], batch), []
    elif entity is Entity.SITES:
        query = given.get("sites", {})
        async for batch in reads.site_customer_batches(org_id, query):
            yield len(batch), await asyncio.to_thread(
                lambda b: [row for raw in b for site, row in site_rows(raw)
                           if reads.site_selected(site, query)], batch), []
    else:
        async for batch in reads.customer_batches(org_id, given.get("customers", {})):
            if entity is Entity.CUSTOMERS:
                billing = {(r.get("billing") or {}).get("billing_customer_id") for r in batch}
                await reads.names_for(org_id, names, billing, set())
                yield len(batch), await asyncio.to_thread(
                    lambda b: [customer_row(r, names) for r in b], batch), [
                    r.get("custom_fields") or {} for r in batch]
            elif entity is Entity.CONTACTS:
                yield len(batch), await asyncio.to_thread(
                    lambda b: [row for raw in b for row in contact_rows(raw)], batch), []
            else:
                yield len(batch), await asyncio.to_thread(
                    lambda b: [row for raw in b for row in equipment_rows(raw)], batch), []


async def read_ahead(batches: AsyncIterator[Batch]) -> AsyncIterator[Batch]:
    """`batches`, the next one read while the caller writes the current one: the
    database works on one batch while this process turns another into cells.
    """
    following = asyncio.ensure_future(anext(batches, None))
    try:
        while (batch := await following) is not None:
            following = asyncio.ensure_future(anext(batches, None))
            yield batch
    finally:
        following.cancel()


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
            file_id = await store_file(self.database, name, out,
                                       {"org_id": job.org_id, "export_id": job.id})
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
            writer = XlsxExport(label, out, lists)
        expected = [await reads.expected_documents(job.org_id, e, job.filter) for e in entities]
        self.total, self.read, self.written = max(sum(expected), 1), 0, 0
        for entity in entities:
            title = sheet_titles(entity, label)[0]
            if entity is Entity.CUSTOMERS:
                await self._write_customers(writer, title, names)
                continue
            writer.begin(title, entity, [])
            async for documents, rows, _ in read_ahead(entity_rows(job, entity, names)):
                await asyncio.to_thread(_append_all, writer, rows, [])
                await self._progress(documents, len(rows))
        if isinstance(writer, XlsxExport):
            await asyncio.to_thread(writer.save)
        elif text is not None:
            text.detach()  # the temporary file stays open for the upload

    async def _write_customers(self, writer: CsvExport | XlsxExport, title: str,
                               names: Names) -> None:
        """Customers, whose custom fields are columns after the template's: which
        ones is known only once every customer is read, so the rows wait in a
        local spool file (one read of the database, memory flat) until then.
        """
        labels: set[str] = set()
        with tempfile.TemporaryFile() as spool:
            async for documents, rows, custom in read_ahead(
                    entity_rows(self.job, Entity.CUSTOMERS, names)):
                for fields in custom:
                    labels.update(fields)
                await asyncio.to_thread(pickle.dump, (rows, custom), spool)
                await self._progress(documents, 0)
            ordered = sorted(labels, key=str.casefold)
            writer.begin(title, Entity.CUSTOMERS, ordered)
            spool.seek(0)
            while True:
                try:
                    rows, custom = await asyncio.to_thread(pickle.load, spool)
                except EOFError:
                    break
                await asyncio.to_thread(_append_all, writer, rows,
                                        [custom_values(c, ordered) for c in custom])
                await self._progress(0, len(rows))

    async def _progress(self, documents: int, rows: int) -> None:
        """Counts a batch, renews the lease, and stops when asked to."""
        if self.stop.is_set():
            raise Stopping()
        self.read += documents
        self.written += rows
        await self._update({"rows": self.written,
                            "progress": min(self.read / self.total, 0.99),
                            "lease_expires_at": utcnow() + self.lease})


def _append_all(writer: CsvExport | XlsxExport, rows: list[list[Value]],
                custom: list[list[Value]]) -> None:
    for index, row in enumerate(rows):
        writer.append(row + custom[index] if custom else row)


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
                       idle_seconds: float = 1.0) -> None:
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

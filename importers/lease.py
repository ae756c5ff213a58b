"""Who works on a job: claims with a lease and a fencing token, and a heartbeat
that keeps the lease while the job works.

A claim is one findOneAndUpdate that takes a QUEUED job, or a RUNNING (or
CANCELLING) one whose lease expired (its worker died), and bumps the job's
fencing token. Every later write of the job is filtered on that token, so a
worker that stalled past its lease finds its writes refused and stops.

The heartbeat renews the lease every few seconds whatever the job is doing
(its first pass over a big file included), so a live worker is never taken
over; and it notices a cancel, so the job stops within a batch.
"""

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from beanie import PydanticObjectId
from pymongo import ReturnDocument
from pymongo.errors import PyMongoError

from documents.base import utcnow
from documents.import_job import ImportJob, ImportStatus

LEASE = timedelta(seconds=30)
# The heartbeat's beat: a third of the lease, and at least every second (it
# also publishes progress).
MAX_BEAT_SECONDS = 1.0
_BEAT_TIMEOUT = 5.0


class LostLease(Exception):
    """Another worker holds the job now (or it was cancelled): stop quietly."""


async def claim(owner: str, job_id: PydanticObjectId | None = None,
                lease: timedelta = LEASE) -> ImportJob | None:
    """Take a queued job (or a running one whose worker's lease expired); a
    cancelling one whose worker died is taken first, to be finished as cancelled.
    Each is one atomic findOneAndUpdate: no two claimers get the same job.
    """
    now = utcnow()
    expired = {"lease_expires_at": {"$lt": now}}
    take = {"lease_owner": owner, "lease_expires_at": now + lease}
    for claimable, update in (
        ({"status": ImportStatus.CANCELLING, **expired}, take),
        ({"$or": [{"status": ImportStatus.QUEUED},
                  {"status": ImportStatus.RUNNING, **expired}]},
         {**take, "status": ImportStatus.RUNNING}),
    ):
        raw = await ImportJob.collection().find_one_and_update(
            claimable if job_id is None else {"_id": job_id, **claimable},
            {"$set": update, "$inc": {"fencing_token": 1}},
            sort=[("created_at", 1)],
            return_document=ReturnDocument.AFTER,
        )
        if raw is not None:
            job: ImportJob = ImportJob.model_validate(raw)
            return job
    return None


class Heartbeat:
    """Renews the job's lease in the background; `lost` is set once the job is
    no longer this worker's to write (taken over, or cancelled).
    """

    def __init__(self, guard: dict[str, Any], lease: timedelta) -> None:
        self.guard = guard
        self.lease = lease
        self.lost = asyncio.Event()
        self.progress = 0  # rows read and checked so far, shown while a batch writes
        # Batches writing now: their transactions write the job (and renew the
        # lease themselves), so the heartbeat skips its beat rather than make a
        # write conflict that aborts them. It never makes a batch wait.
        self._writing = 0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "Heartbeat":
        self._task = asyncio.ensure_future(self._beat())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @contextlib.contextmanager
    def batch_writing(self) -> Iterator[None]:
        self._writing += 1
        try:
            yield
        finally:
            self._writing -= 1

    def check(self) -> None:
        if self.lost.is_set():
            raise LostLease()

    async def _beat(self) -> None:
        every = min(self.lease.total_seconds() / 3, MAX_BEAT_SECONDS)
        while True:
            await asyncio.sleep(every)
            if self._writing:
                continue
            try:
                # Bounded: a write held up behind a dead worker's transaction must
                # not hold the beat (the batch's own retries deal with that).
                done = await asyncio.wait_for(ImportJob.collection().update_one(
                    {**self.guard, "cancel_requested": False},
                    {"$set": {"lease_expires_at": utcnow() + self.lease},
                     "$max": {"progress_row": self.progress}}), timeout=_BEAT_TIMEOUT)
            except (PyMongoError, TimeoutError):
                continue
            if done.matched_count == 0:
                self.lost.set()
                return

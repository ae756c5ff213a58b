"""Export workers: a dead worker's export is taken over, and a worker that lost
its export (its fencing token is old) stores nothing.
"""

import io
import os
from datetime import timedelta

from beanie import PydanticObjectId
from starlette.applications import Starlette

from app.auth import create_org
from documents.base import utcnow
from documents.export_job import ExportFormat, ExportJob, ExportStatus
from resolvers.export_worker import CHUNK_BYTES, CHUNKS_PER_WRITE, ExportRun, exports, store_file
from schema.ids import to_global_id
from tests.conftest import Org
from tests.exports import finished

CREATE = 'mutation { customerCreate(input: {name: "Acme Plumbing"}) { userErrors { code } } }'


async def _job(org_id: PydanticObjectId, **fields: object) -> ExportJob:
    job = ExportJob(id=PydanticObjectId(), org_id=org_id, entity="CUSTOMERS",
                    format=ExportFormat.CSV, **fields)  # type: ignore[arg-type]
    await ExportJob.collection().insert_one(job.to_mongo())
    return job


async def test_a_dead_workers_export_is_taken_over(org: Org) -> None:
    await org.mutate(CREATE)
    stored = await ExportJob.collection().database["organizations"].find_one({"slug": "acme"})
    assert stored is not None
    # Held by a worker that died: its lease ran out a minute ago.
    job = await _job(stored["_id"], status=ExportStatus.RUNNING, lease_owner="dead:1:0",
                     lease_expires_at=utcnow() - timedelta(minutes=1), fencing_token=1)
    done = await finished(org, to_global_id("ExportJob", job.id))
    assert done["status"] == "SUCCEEDED"
    assert done["rows"] == 1
    raw = await ExportJob.collection().find_one({"_id": job.id})
    assert raw is not None
    assert raw["fencing_token"] == 2
    assert raw["lease_owner"] != "dead:1:0"


async def test_a_worker_that_lost_its_export_stores_nothing(app: Starlette) -> None:
    org = await create_org("stale", "Stale")
    assert org.id is not None
    # Another worker took it over (token 2) from this one (token 1).
    job = await _job(org.id, status=ExportStatus.RUNNING, fencing_token=2,
                     lease_expires_at=utcnow() + timedelta(minutes=5))
    stale = job.model_copy(update={"fencing_token": 1})
    database = app.state.database.db
    await ExportRun(stale, database).run()
    raw = await ExportJob.collection().find_one({"_id": job.id})
    assert raw is not None
    assert raw["status"] == ExportStatus.RUNNING
    assert raw.get("file_id") is None
    assert await database["exports.files"].count_documents({"metadata.export_id": job.id}) == 0


async def test_a_file_of_many_chunk_writes_is_stored_whole(org: Org) -> None:
    # Export files go to GridFS a few chunks at a time (PyMongo's upload holds up
    # to 32 MB first): a file of several writes, and an odd last chunk, reads
    # back whole through GridFS's own reader.
    database = ExportJob.collection().database
    data = os.urandom(CHUNK_BYTES * (2 * CHUNKS_PER_WRITE + 1) + 7)
    file_id = await store_file(database, "big.csv", io.BytesIO(data), {"note": "test"})
    stream = await exports(database).open_download_stream(file_id)
    assert stream.filename == "big.csv"
    assert await stream.read() == data
    assert await database["exports.chunks"].count_documents({"files_id": file_id}) == (
        2 * CHUNKS_PER_WRITE + 2)
    empty = await store_file(database, "empty.csv", io.BytesIO(b""), {})
    assert await (await exports(database).open_download_stream(empty)).read() == b""

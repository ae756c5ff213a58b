"""exportStart, exportJob and the download of an export's file.

`exportStart` checks who may export what, records the filter, and queues a
job; it answers at once. A worker (resolvers/export_worker) writes the file.
"""

from collections.abc import AsyncIterator
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId

from documents.base import utcnow
from documents.export_job import ExportFormat, ExportJob, ExportStatus
from importers.fields import Entity
from resolvers.actor import Actor, Permission
from resolvers.errors import ErrorCode, Problem, UserFacingError
from resolvers.export_worker import exports


def permissions_for(entity: Entity) -> tuple[Permission, ...]:
    """What exporting `entity` takes: sites are a technician's list (any reader);
    customers, their contacts and equipment, and products are office work; product
    lines (and the template, which holds them) are finance too.
    """
    if entity is Entity.SITES:
        return (Permission.READ_CUSTOMERS,)
    if entity in (Entity.PRODUCT_LINES, Entity.TEMPLATE):
        return (Permission.EXPORT, Permission.READ_FINANCE)
    return (Permission.EXPORT,)


def _require(actor: Actor, entity: Entity) -> None:
    for permission in permissions_for(entity):
        actor.require(permission)


async def export_start(actor: Actor, entity: Entity, export_format: ExportFormat,
                       given: dict[str, dict[str, Any]]) -> ExportJob:
    """Queue an export of `entity` selected by `given` (the list queries' filters by kind)."""
    _require(actor, entity)
    if entity is Entity.TEMPLATE and export_format is ExportFormat.CSV:
        raise UserFacingError(Problem(
            ErrorCode.INVALID, "The template is a workbook of several sheets: export it as "
            "XLSX, or export one entity as CSV.", ["input", "format"]))
    job = ExportJob(id=PydanticObjectId(), org_id=PydanticObjectId(actor.org_id),
                    entity=entity.value, format=export_format,
                    filter={kind: values for kind, values in given.items() if values})
    await ExportJob.collection().insert_one(job.to_mongo())
    return job


async def get_export_job(actor: Actor, job_id: ObjectId) -> ExportJob | None:
    """The export, if this actor may export its entity; another org's, or an
    expired one, looks missing.
    """
    job = await ExportJob.get_in(actor.org_id, job_id)
    if job is None or job.expires_at.replace(tzinfo=None) <= utcnow().replace(tzinfo=None):
        return None
    _require(actor, Entity(job.entity))
    return job


async def export_file(actor: Actor, job_id: ObjectId
                      ) -> tuple[ExportJob, AsyncIterator[bytes] | None] | None:
    """The export (None when missing) and its file's bytes, a GridFS chunk at a
    time (None while it is not ready).
    """
    job = await get_export_job(actor, job_id)
    if job is None:
        return None
    if job.file_id is None or job.status is not ExportStatus.SUCCEEDED:
        return job, None
    stream = await exports(ExportJob.collection().database).open_download_stream(job.file_id)

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while chunk := await stream.readchunk():
                yield chunk
        finally:
            await stream.close()

    return job, chunks()

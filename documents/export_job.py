"""Export jobs: what to write (entity, format, filter), how far the worker is,
and the file it wrote to GridFS, deleted with the job after a day.
"""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from beanie import PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel

from documents.base import TenantDocument, utcnow

# An export is a copy of the organization's data: it is kept only long enough to download.
EXPORT_LIFETIME = timedelta(hours=24)


class ExportStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class ExportFormat(StrEnum):
    XLSX = "XLSX"
    CSV = "CSV"


class ExportJob(TenantDocument):
    entity: str
    format: ExportFormat
    # The list queries' filters by kind (customers, sites, products, product_lines),
    # as plain values: ids as ObjectId, dates as datetimes.
    filter: dict[str, dict[str, Any]] = Field(default_factory=dict)
    status: ExportStatus = ExportStatus.QUEUED
    rows: int = 0  # written so far; the total once it succeeded
    progress: float = 0.0  # documents read of those expected, 0 to 1
    file_id: PydanticObjectId | None = None
    file_name: str | None = None
    failure_reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # The job and its file are deleted after this (a TTL index, and the worker's sweep).
    expires_at: datetime = Field(default_factory=lambda: utcnow() + EXPORT_LIFETIME)
    # Lease and fencing token, as import jobs have (see importers/worker).
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    fencing_token: int = 0

    class Settings:
        name = "export_jobs"
        # exportJob(id) and the worker's guarded writes read by id: no index of
        # their own (TenantDocument.scoped puts `_id` first).
        indexes = [
            # Workers claim jobs of every org: not led by org_id, like import_jobs'.
            IndexModel([("status", ASCENDING), ("lease_expires_at", ASCENDING)]),
            # The database drops an expired job itself; the worker's sweep deletes its file.
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
        ]

"""Import jobs and the rows they could not import."""

from datetime import datetime
from enum import StrEnum

from beanie import PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, DESCENDING, IndexModel

from documents.base import TenantDocument, utcnow


class ImportStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    COMPLETED_WITH_ERRORS = "COMPLETED_WITH_ERRORS"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


FINISHED = {ImportStatus.SUCCEEDED, ImportStatus.COMPLETED_WITH_ERRORS, ImportStatus.FAILED,
            ImportStatus.CANCELLED}


class ImportMode(StrEnum):
    UPSERT = "UPSERT"
    CREATE_ONLY = "CREATE_ONLY"
    UPDATE_ONLY = "UPDATE_ONLY"


class ErrorPolicy(StrEnum):
    REJECT_FAILED_ROWS = "REJECT_FAILED_ROWS"
    ABORT_ON_ERROR = "ABORT_ON_ERROR"


class MappedColumn(BaseModel):
    column: int  # 0-based
    field: str


class ImportPart(BaseModel):
    """One sheet of a TEMPLATE import, and the entity it holds."""

    sheet: str
    entity: str
    headers: list[str] = Field(default_factory=list)
    mapping: list[MappedColumn] = Field(default_factory=list)


class ColumnDateOrder(BaseModel):
    sheet: str | None = None
    column: int
    order: str  # DAY_FIRST or MONTH_FIRST
    # False: every value fitted both orders, so the organization's order was used.
    from_values: bool


class ImportTotals(BaseModel):
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0


class ImportJob(TenantDocument):
    entity: str
    status: ImportStatus = ImportStatus.QUEUED
    file_id: PydanticObjectId
    file_name: str
    format: str
    sheet: str | None = None
    has_headers: bool = True
    headers: list[str] = Field(default_factory=list)
    # The sheets of a TEMPLATE import, in the order they are processed.
    parts: list[ImportPart] = Field(default_factory=list)
    mapping: list[MappedColumn] = Field(default_factory=list)
    mode: ImportMode = ImportMode.UPSERT
    dry_run: bool = False
    error_policy: ErrorPolicy = ErrorPolicy.REJECT_FAILED_ROWS
    idempotency_key: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    failure_reason: str | None = None
    total_rows: int | None = None
    max_rows: int = 1_048_576
    max_columns: int = 1_000  # checked on every row as the file is read
    date_orders: list[ColumnDateOrder] = Field(default_factory=list)
    # Data rows fully processed (across sheets); a worker that takes over resumes after them.
    checkpoint_row: int = 0
    # (customer, billing customer) name keys whose link waits for the end of the
    # file; written with each batch, so a worker that takes over or resumes has them.
    deferred_links: list[tuple[str, str]] = Field(default_factory=list)
    totals: ImportTotals = Field(default_factory=ImportTotals)
    cancel_requested: bool = False
    # Lease: the worker holding it may write; a new claim bumps the token, so
    # a stalled former holder's writes (filtered on its token) match nothing.
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    fencing_token: int = 0

    class Settings:
        name = "import_jobs"
        indexes = [
            IndexModel([("org_id", ASCENDING), ("_id", DESCENDING)]),
            IndexModel([("org_id", ASCENDING), ("idempotency_key", ASCENDING)], unique=True,
                       partialFilterExpression={"idempotency_key": {"$type": "string"}}),
            # Workers claim jobs of every org: the one index not led by org_id.
            IndexModel([("status", ASCENDING), ("lease_expires_at", ASCENDING)]),
        ]


class ImportRowError(TenantDocument):
    job_id: PydanticObjectId
    # Position of the row among all the job's data rows (across sheets), from 1.
    seq: int
    sheet: str | None = None
    row: int  # as the user sees it in the spreadsheet (header row is row 1)
    column: str | None = None
    field: str | None = None
    value: str | None = None
    code: str
    message: str
    # The row's original cells, for the error report.
    cells: list[str | None] = Field(default_factory=list)

    class Settings:
        name = "import_rows"
        indexes = [IndexModel([("org_id", ASCENDING), ("job_id", ASCENDING), ("seq", ASCENDING)])]

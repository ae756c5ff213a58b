"""Import jobs and the rows they could not import."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from beanie import PydanticObjectId
from pydantic import BaseModel, Field, model_validator
from pymongo import ASCENDING, DESCENDING, IndexModel

from documents.base import TenantDocument, utcnow


def header_row_of_older(data: Any) -> Any:
    """A job or saved mapping stored before header_row existed: its headers were
    on row 1, if it had any.
    """
    if isinstance(data, dict) and "header_row" not in data:
        data = {**data, "header_row": 1 if data.get("has_headers", True) else None}
    return data


class ImportStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    COMPLETED_WITH_ERRORS = "COMPLETED_WITH_ERRORS"
    FAILED = "FAILED"
    # Cancel asked for while running: its worker stops within a batch.
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"


FINISHED = {ImportStatus.SUCCEEDED, ImportStatus.COMPLETED_WITH_ERRORS, ImportStatus.FAILED,
            ImportStatus.CANCELLED}


class ImportMode(StrEnum):
    UPSERT = "UPSERT"
    CREATE_ONLY = "CREATE_ONLY"
    UPDATE_ONLY = "UPDATE_ONLY"


class MatchBy(StrEnum):
    """How an import of customers finds the stored customer a row is about."""

    NAME = "NAME"
    # The customer's own account number (its code in the system the file came
    # from), as Salesforce's upsert by external id: the row may rename it.
    ACCOUNT_NUMBER = "ACCOUNT_NUMBER"


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
    # Rows that landed with warnings (a subset of the above, not part of the sum).
    warned: int = 0


class ImportJob(TenantDocument):
    entity: str
    status: ImportStatus = ImportStatus.QUEUED
    file_id: PydanticObjectId
    file_name: str
    format: str
    sheet: str | None = None
    # Kept with header_row: has_headers is header_row is not None.
    has_headers: bool = True
    # 1-based row of the headers; rows above it are not data. None: no header row.
    header_row: int | None = 1
    headers: list[str] = Field(default_factory=list)
    # The sheets of a TEMPLATE import, in the order they are processed.
    parts: list[ImportPart] = Field(default_factory=list)
    mapping: list[MappedColumn] = Field(default_factory=list)
    mode: ImportMode = ImportMode.UPSERT
    match_by: MatchBy = MatchBy.NAME
    dry_run: bool = False
    error_policy: ErrorPolicy = ErrorPolicy.REJECT_FAILED_ROWS
    idempotency_key: str | None = None
    # sha256 of what the request asked for (resolvers.imports.request_fingerprint):
    # the same idempotency key with another request is refused, not answered with this job.
    request_fingerprint: str | None = None
    # The API key that started the job: a key whose role cannot read customers
    # (a partner's) reads back the rows of its own imports only.
    created_by_key: PydanticObjectId | None = None
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
    # Rows read and checked so far (at most a batch past the checkpoint): progress.
    progress_row: int = 0
    totals: ImportTotals = Field(default_factory=ImportTotals)
    # The totals as of the checkpoint (written with it): a job that resumes or is
    # taken over starts again from these, so no row is counted twice.
    checkpoint_totals: ImportTotals = Field(default_factory=ImportTotals)
    cancel_requested: bool = False
    # Lease: the worker holding it may write; a new claim bumps the token, so
    # a stalled former holder's writes (filtered on its token) match nothing.
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    fencing_token: int = 0

    @model_validator(mode="before")
    @classmethod
    def _header_row_of_older_documents(cls, data: Any) -> Any:
        return header_row_of_older(data)

    class Settings:
        name = "import_jobs"
        indexes = [
            # importJobs: newest first, after a cursor (a range on _id, which the
            # primary key alone does not serve within an org).
            IndexModel([("org_id", ASCENDING), ("_id", DESCENDING)]),
            # An idempotency key names one job per org for 24 hours.
            IndexModel([("org_id", ASCENDING), ("idempotency_key", ASCENDING)], unique=True,
                       partialFilterExpression={"idempotency_key": {"$type": "string"}}),
            # Workers claim jobs of every org: the one index not led by org_id.
            IndexModel([("status", ASCENDING), ("lease_expires_at", ASCENDING)]),
        ]


class ImportRowIssue(TenantDocument):
    """A problem with one row: an error (the row failed) or a warning (it landed)."""

    job_id: PydanticObjectId
    # Position of the row among all the job's data rows (across sheets), from 1.
    seq: int
    # When the row was processed (rows of customers billed to a later row wait
    # for it): a job that resumes drops the issues after its checkpoint.
    position: int = 0
    sheet: str | None = None
    row: int  # as the user sees it in the spreadsheet
    column: str | None = None
    field: str | None = None
    value: str | None = None
    code: str
    message: str
    # The row's original cells, for the error report.
    cells: list[str | None] = Field(default_factory=list)


class ImportRowError(ImportRowIssue):
    class Settings:
        name = "import_rows"
        # rowErrors / rowWarnings pages and the error reports, in row order;
        # a resumed job drops its rows after the checkpoint.
        indexes = [IndexModel([("org_id", ASCENDING), ("job_id", ASCENDING), ("seq", ASCENDING)])]


class ImportRowWarning(ImportRowIssue):
    # What the row did (CREATED, UPDATED, UNCHANGED; FAILED when it also had errors).
    outcome: str | None = None

    class Settings:
        name = "import_row_warnings"
        # rowErrors / rowWarnings pages and the error reports, in row order;
        # a resumed job drops its rows after the checkpoint.
        indexes = [IndexModel([("org_id", ASCENDING), ("job_id", ASCENDING), ("seq", ASCENDING)])]

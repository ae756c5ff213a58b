"""importFile, importJob(s), importCancel, importFields, importJobUpdated: starting
and following imports.

`importFile` checks the file and the mapping, stores the file in GridFS and
queues a job; it answers at once, before any row is read. Workers do the rest.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from documents.import_job import (
    FINISHED,
    ErrorPolicy,
    ImportJob,
    ImportMode,
    ImportPart,
    ImportRowError,
    ImportStatus,
    MappedColumn,
)
from documents.product import Product
from documents.saved_mapping import SavedColumn, SavedMapping
from importers.context import LOOKUP_FIELDS
from importers.errors import ImportFileError
from importers.fields import FIELDS, Entity, Field, field_for
from importers.isolated import check_readable
from importers.mapping import column_name, looks_like_headers, normalize_header, suggest
from importers.readers import open_rows
from importers.rows import cell_text
from importers.template import SHEET_ORDER, build_template, entity_of_sheet, sheet_titles
from importers.worker import uploads
from resolvers import mappings
from resolvers.actor import Actor, Permission
from resolvers.errors import ErrorCode, Problem, UserFacingError, not_found
from resolvers.pagination import Page, decode_cursor, encode_cursor, page_size


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int = 100 * 1024 * 1024
    max_rows: int = 1_048_576  # Excel's own limit
    max_columns: int = 1_000


def _check_size(data: bytes, limits: ImportLimits) -> None:
    if len(data) > limits.max_bytes:
        raise UserFacingError(Problem(
            ErrorCode.FILE_TOO_LARGE,
            f"The file is {len(data):,} bytes; the limit is {limits.max_bytes:,}.", ["file"]))


@dataclass
class ImportRequest:
    entity: Entity
    file_name: str
    data: bytes
    sheet: str | None = None
    has_headers: bool = True
    # (column or None, header or None, field)
    mapping: list[tuple[int | None, str | None, str]] | None = None
    mode: ImportMode = ImportMode.UPSERT
    dry_run: bool = False
    error_policy: ErrorPolicy = ErrorPolicy.REJECT_FAILED_ROWS
    idempotency_key: str | None = None
    saved_mapping_id: ObjectId | None = None
    save_mapping_as: str | None = None


def _file_problem(exc: ImportFileError) -> UserFacingError:
    return UserFacingError(Problem(ErrorCode(exc.code.value), exc.message, ["file"]))


def _saved_columns(saved: SavedMapping) -> list[tuple[int | None, str | None, str]]:
    # A mapping saved from a file with headers follows the headers wherever they moved.
    return [(None if saved.has_headers and c.header else c.column, c.header, c.field)
            for c in saved.columns]


async def _mapping_request(actor: Actor, request: ImportRequest,
                           headers: list[str]) -> list[tuple[int | None, str | None, str]] | None:
    """The mapping asked for: explicit, else a saved one by id, else one whose headers match."""
    if request.mapping is not None:
        return request.mapping
    if request.saved_mapping_id is not None:
        saved = await mappings.get_saved_mapping(actor, request.saved_mapping_id)
        if saved is None or saved.entity != request.entity.value:
            raise not_found("Saved mapping", ["input", "savedMappingId"])
        return _saved_columns(saved)
    matched = await mappings.matching_saved_mapping(actor, request.entity, headers)
    return None if matched is None else _saved_columns(matched)


def _resolve_mapping(request: ImportRequest, headers: list[str],
                     customer_label: str = "Customer") -> list[MappedColumn]:
    if request.mapping is None:
        if not request.has_headers:
            raise UserFacingError(Problem(
                ErrorCode.REQUIRED, "A file without headers needs a mapping.",
                ["input", "mapping"]))
        return [MappedColumn(column=m.column, field=m.field)
                for m in suggest(request.entity, headers, customer_label)]
    by_header = {normalize_header(h): i for i, h in enumerate(headers) if h}
    problems: list[Problem] = []
    mapped: list[MappedColumn] = []
    for index, (column, header, field_key) in enumerate(request.mapping):
        path = ["input", "mapping", str(index)]
        if field_for(request.entity, field_key) is None:
            problems.append(Problem(ErrorCode.UNKNOWN_FIELD,
                                    f"{field_key!r} is not a {request.entity.value} field.",
                                    [*path, "field"]))
            continue
        if column is None and header is not None:
            column = by_header.get(normalize_header(header))
            if column is None:
                problems.append(Problem(ErrorCode.UNKNOWN_COLUMN,
                                        f"The file has no column headed {header!r}.",
                                        [*path, "header"]))
                continue
        if column is None or column < 0:
            problems.append(Problem(ErrorCode.REQUIRED, "Give a column or a header.", path))
            continue
        mapped.append(MappedColumn(column=column, field=field_key))
    if problems:
        raise UserFacingError(*problems)
    return mapped


async def _template_parts(actor: Actor, data: bytes) -> list[ImportPart]:
    """The recognised sheets of a template workbook, in import order."""
    try:
        sheets = open_rows(data).sheets
        if not sheets:
            raise UserFacingError(Problem(
                ErrorCode.UNSUPPORTED_FILE,
                "The template is a workbook (XLSX, XLS or ODS), not a CSV file.", ["file"]))
        found: dict[Entity, ImportPart] = {}
        for sheet in sheets:
            entity = entity_of_sheet(sheet, actor.settings.customer_label)
            if entity is None or entity in found:
                continue
            first = next(open_rows(data, sheet).rows, [])
            headers = [cell_text(c) or "" for c in first]
            mapping = [MappedColumn(column=m.column, field=m.field)
                       for m in suggest(entity, headers, actor.settings.customer_label)
                       if m.confidence == 1.0]
            found[entity] = ImportPart(sheet=sheet, entity=entity.value, headers=headers,
                                       mapping=mapping)
    except ImportFileError as exc:
        raise _file_problem(exc) from None
    if not found:
        names = ", ".join(sheet_titles(e, actor.settings.customer_label)[0] for e in SHEET_ORDER)
        raise UserFacingError(Problem(
            ErrorCode.UNSUPPORTED_FILE,
            f"No sheet of the template ({names}) in this file; it has: {', '.join(sheets)}.",
            ["file"]))
    return [found[e] for e in SHEET_ORDER if e in found]


async def import_file(actor: Actor, request: ImportRequest, limits: ImportLimits) -> ImportJob:
    actor.require(Permission.IMPORT)
    if request.idempotency_key:
        existing = await ImportJob.find_in(actor.org_id,
                                           {"idempotency_key": request.idempotency_key})
        if existing:
            return existing[0]
    _check_size(request.data, limits)
    try:
        await check_readable(request.data)
        opened = open_rows(request.data, request.sheet)
        first_row = next(opened.rows, [])
    except ImportFileError as exc:
        raise _file_problem(exc) from None
    parts: list[ImportPart] = []
    if request.entity is Entity.TEMPLATE:
        parts = await _template_parts(actor, request.data)
        first_row = []
    if len(first_row) > limits.max_columns:
        raise UserFacingError(Problem(
            ErrorCode.TOO_MANY_COLUMNS,
            f"The sheet has {len(first_row):,} columns; at most {limits.max_columns:,} are "
            "read.", ["file"]))
    headers = [cell_text(c) or "" for c in first_row] if request.has_headers else []
    request.mapping = await _mapping_request(actor, request, headers)
    mapping = [] if parts else _resolve_mapping(request, headers,
                                                 actor.settings.customer_label)
    if request.save_mapping_as:
        await mappings.mapping_save(actor, request.save_mapping_as, request.entity,
                                    request.has_headers, [
            SavedColumn(column=m.column, header=headers[m.column] if m.column < len(headers)
                        else None, field=m.field) for m in mapping])
    file_id = await uploads(ImportJob.collection().database).upload_from_stream(
        request.file_name, request.data, metadata={"org_id": actor.org_id})
    job = ImportJob(
        id=PydanticObjectId(), org_id=PydanticObjectId(actor.org_id),
        entity=request.entity.value, file_id=PydanticObjectId(file_id),
        file_name=request.file_name, format=opened.format.value, sheet=opened.sheet,
        has_headers=request.has_headers, headers=headers, mapping=mapping,
        mode=request.mode, dry_run=request.dry_run, error_policy=request.error_policy,
        idempotency_key=request.idempotency_key, parts=parts, max_rows=limits.max_rows,
    )
    try:
        await ImportJob.collection().insert_one(job.to_mongo())
    except DuplicateKeyError:  # the same key, sent twice at once
        found = await ImportJob.find_in(actor.org_id,
                                        {"idempotency_key": request.idempotency_key})
        return found[0]
    return job


async def get_import_job(actor: Actor, job_id: ObjectId) -> ImportJob | None:
    actor.require(Permission.READ_IMPORTS)
    return await ImportJob.get_in(actor.org_id, job_id)


async def list_import_jobs(actor: Actor, first: int | None, after: str | None,
                           status: str | None, entity: str | None) -> Page[ImportJob]:
    """Newest first, keyset on the id."""
    actor.require(Permission.READ_IMPORTS)
    limit = page_size(first)
    cursor = decode_cursor(after)
    index: dict[str, Any] = {"_id": {"$lt": ObjectId(str(cursor[0]))}} if cursor else {}
    later = {k: v for k, v in (("status", status), ("entity", entity)) if v}
    pipeline: list[dict[str, Any]] = [{"$match": ImportJob.scoped(actor.org_id, index)},
                *([{"$match": later}] if later else []),
                {"$sort": {"_id": -1}}, {"$limit": limit + 1}]
    raws = await (await ImportJob.collection().aggregate(pipeline)).to_list()
    jobs = [ImportJob.model_validate(raw) for raw in raws]

    async def total() -> int:
        return await ImportJob.count_in(actor.org_id, later)

    return Page(items=[(encode_cursor(str(j.id)), j) for j in jobs[:limit]],
                has_next_page=len(jobs) > limit, count=total)


async def row_errors(actor: Actor, job: ImportJob, first: int | None,
                     after: str | None) -> Page[ImportRowError]:
    """A job's row errors in file order; read in bounded windows of row positions."""
    limit = page_size(first)
    cursor = decode_cursor(after)
    after_seq, after_id = (int(cursor[0]), str(cursor[1])) if cursor else (0, "")
    found: list[ImportRowError] = []
    low, width = after_seq, max(2 * (limit + 1), 64)
    while len(found) <= limit and low <= (job.total_rows or 0):
        window = {"job_id": job.id, "seq": {"$gte": low, "$lt": low + width}}
        rows = await ImportRowError.find_in(actor.org_id, window, sort=[("seq", 1), ("_id", 1)])
        found += [e for e in rows if (e.seq, str(e.id)) > (after_seq, after_id)]
        low, width = low + width, width * 2

    async def total() -> int:
        return await ImportRowError.count_in(actor.org_id, {"job_id": job.id})

    return Page(items=[(encode_cursor(e.seq, str(e.id)), e) for e in found[:limit]],
                has_next_page=len(found) > limit, count=total)


async def import_cancel(actor: Actor, job_id: ObjectId) -> ImportJob:
    actor.require(Permission.IMPORT)
    job = await ImportJob.get_in(actor.org_id, job_id)
    if job is None:
        raise not_found("Import job", ["id"])
    if job.status in FINISHED:
        raise UserFacingError(Problem(ErrorCode.INVALID,
                                      f"The import has already ended ({job.status.value}).",
                                      ["id"]))
    # A queued job is cancelled here; a running one by its worker at its next checkpoint.
    await ImportJob.collection().update_one(
        ImportJob.scoped(actor.org_id, {"_id": job_id}),
        {"$set": {"cancel_requested": True}})
    await ImportJob.collection().update_one(
        ImportJob.scoped(actor.org_id, {"_id": job_id, "status": "QUEUED"}),
        {"$set": {"status": "CANCELLED"}})
    found = await ImportJob.get_in(actor.org_id, job_id)
    assert found is not None
    return found


async def import_resume(actor: Actor, job_id: ObjectId) -> ImportJob:
    """Queue a failed import again: a worker goes on after its last checkpoint,
    so rows already imported are neither written nor counted twice.
    """
    actor.require(Permission.IMPORT)
    job = await ImportJob.get_in(actor.org_id, job_id)
    if job is None:
        raise not_found("Import job", ["id"])
    resumed = await ImportJob.collection().update_one(
        ImportJob.scoped(actor.org_id, {"_id": job_id, "status": ImportStatus.FAILED}),
        {"$set": {"status": ImportStatus.QUEUED, "failure_reason": None, "finished_at": None,
                  "lease_owner": None, "lease_expires_at": None}})
    if resumed.modified_count == 0:
        raise UserFacingError(Problem(
            ErrorCode.INVALID,
            f"Only a failed import can be resumed; this one is {job.status.value}.", ["id"]))
    found = await ImportJob.get_in(actor.org_id, job_id)
    assert found is not None
    return found


async def template_workbook(actor: Actor) -> bytes:
    """The standard template, with drop-down lists of the org's current lookups."""
    actor.require(Permission.IMPORT)
    lists = {}
    for kind, (document, _, _) in LOOKUP_FIELDS.items():
        lists[kind] = [doc.name for doc in await document.find_in(actor.org_id,
                                                                   sort=[("name_key", 1)])]
    lists["product"] = [doc.import_id for doc in await Product.find_in(
        actor.org_id, {"active": True}, sort=[("import_key", 1)])]
    return build_template(actor.settings.customer_label, lists)


def import_fields(actor: Actor, entity: Entity) -> list[Field]:
    actor.require(Permission.IMPORT)
    return FIELDS[entity]


@dataclass
class Suggestion:
    column: int
    header: str | None
    field: str
    confidence: float


@dataclass
class Analysis:
    file_name: str
    format: str
    sheets: list[str]
    sheet: str | None
    has_headers: bool
    headers: list[str]
    sample_rows: list[list[str | None]]
    row_count: int
    suggested: list[Suggestion]
    unmapped_columns: list[str]
    matched: SavedMapping | None


SAMPLE_ROWS = 5


async def import_analyze(actor: Actor, entity: Entity, file_name: str, data: bytes,
                         sheet: str | None, has_headers: bool | None,
                         limits: ImportLimits) -> Analysis:
    """What is in a file, and the mapping we propose for it."""
    actor.require(Permission.IMPORT)
    _check_size(data, limits)
    try:
        await check_readable(data)
        opened = open_rows(data, sheet)
        rows = (row for row in opened.rows if any(c is not None for c in row))
        first = [cell_text(c) for c in next(rows, [])]
        if has_headers is None:
            has_headers = looks_like_headers(entity, first, actor.settings.customer_label)
        sample: list[list[str | None]] = [] if has_headers else [first]
        count = 0 if has_headers else 1
        for row in rows:
            count += 1
            if len(sample) < SAMPLE_ROWS:
                sample.append([cell_text(c) for c in row])
    except ImportFileError as exc:
        raise _file_problem(exc) from None
    headers = [h or "" for h in first] if has_headers else []
    width = max([len(first), *(len(r) for r in sample)], default=0)
    matched = await mappings.matching_saved_mapping(actor, entity, headers) if headers else None
    if matched is not None:
        request = ImportRequest(entity=entity, file_name=file_name, data=b"",
                                mapping=_saved_columns(matched))
        proposal = [(m.column, m.field, 1.0) for m in _resolve_mapping(request, headers)]
    else:
        proposal = [(m.column, m.field, m.confidence)
                    for m in suggest(entity, headers, actor.settings.customer_label)]
    mapped = {column for column, _, _ in proposal}
    return Analysis(
        file_name=file_name, format=opened.format.value, sheets=opened.sheets,
        sheet=opened.sheet, has_headers=has_headers, headers=headers, sample_rows=sample,
        row_count=count,
        suggested=[Suggestion(column, column_name(column, headers) if headers else None, field,
                              confidence) for column, field, confidence in proposal],
        unmapped_columns=[column_name(i, headers) for i in range(width) if i not in mapped],
        matched=matched,
    )


async def watch_import_job(actor: Actor, job_id: ObjectId,
                           every: float = 0.25) -> AsyncIterator[ImportJob]:
    """The job now, then again at each change of progress or status, until it ends.

    Polls the job document: workers may run in other processes or machines, and
    the database is the one place every replica sees.
    """
    actor.require(Permission.READ_IMPORTS)
    last: tuple[object, ...] | None = None
    while True:
        job = await ImportJob.get_in(actor.org_id, job_id)
        if job is None:
            raise not_found("Import job", ["id"])
        state = (job.status, job.checkpoint_row, job.total_rows, job.totals)
        if state != last:
            last = state
            yield job
        if job.status in FINISHED:
            return
        await asyncio.sleep(every)

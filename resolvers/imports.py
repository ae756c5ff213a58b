"""importFile, importJob(s), importCancel, importFields, importJobUpdated: starting
and following imports.

`importFile` checks the file and the mapping, stores the file in GridFS and
queues a job; it answers at once, having read only the first rows (the header
row and up to 2,000 rows of values its proposal checks). Workers do the rest.
"""

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from documents.base import utcnow
from documents.import_job import (
    FINISHED,
    ErrorPolicy,
    ImportJob,
    ImportMode,
    ImportPart,
    ImportRowError,
    ImportRowIssue,
    ImportRowWarning,
    ImportStatus,
    MappedColumn,
    MatchBy,
)
from documents.product import Product
from documents.saved_mapping import SavedColumn, SavedMapping
from documents.text import TEXT_LIMIT, clean_text
from importers.context import LOOKUP_FIELDS
from importers.errors import ImportFileError
from importers.fields import Entity, Field, field_for, labelled_fields, unknown_field_reason
from importers.header_row import HEADER_SEARCH_ROWS
from importers.isolated import open_rows
from importers.issues import RowIssueCode
from importers.mapping import UnproposedColumn, column_name, normalize_header, propose, suggest
from importers.rows import cell_text
from importers.sheet_look import DETECT, HEAD_ROWS, Detect, SheetLook, look_at
from importers.template import SHEET_ORDER, build_template, entity_of_sheet, sheet_titles
from importers.worker import uploads
from resolvers import import_roles, mappings
from resolvers.actor import Actor, Permission
from resolvers.errors import ErrorCode, Problem, UserFacingError, not_found
from resolvers.pagination import Page, decode_cursor, encode_cursor, page_size
from resolvers.values import require_valid_input


@dataclass(frozen=True)
class ImportLimits:
    """The import limits, from the settings (app/settings.py holds their defaults)."""

    max_bytes: int
    max_rows: int
    max_columns: int


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
    # None: as header_row says (or, when that is DETECT too, as found).
    has_headers: bool | None = None
    # 1-based; None: no header row; DETECT: found as importAnalyze finds it.
    header_row: int | Detect | None = DETECT
    # (column or None, header or None, field)
    mapping: list[tuple[int | None, str | None, str]] | None = None
    mode: ImportMode = ImportMode.UPSERT
    match_by: MatchBy = MatchBy.NAME
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


async def _saved_by_id(actor: Actor, request: ImportRequest) -> SavedMapping | None:
    if request.mapping is not None or request.saved_mapping_id is None:
        return None
    saved = await mappings.get_saved_mapping(actor, request.saved_mapping_id)
    if saved is None or saved.entity != request.entity.value:
        raise not_found("Saved mapping", ["input", "savedMappingId"])
    return saved


async def _mapping_request(actor: Actor, request: ImportRequest, headers: list[str],
                           saved: SavedMapping | None
                           ) -> list[tuple[int | None, str | None, str]] | None:
    """The mapping asked for: explicit, else a saved one by id, else one whose headers match."""
    if request.mapping is not None:
        return request.mapping
    if saved is not None:
        return _saved_columns(saved)
    matched = await mappings.matching_saved_mapping(actor, request.entity, headers)
    return None if matched is None else _saved_columns(matched)


def _check_header_row(header_row: int | Detect | None, path: list[str]) -> None:
    if isinstance(header_row, int) and not 1 <= header_row <= HEAD_ROWS:
        raise UserFacingError(Problem(
            ErrorCode.INVALID, f"The header row is one of the first {HEAD_ROWS} rows (from 1), "
            "or null for a file without one.", path))


def _wanted_header_row(header_row: int | Detect | None, has_headers: bool | None,
                      saved: SavedMapping | None = None) -> int | Detect | None:
    """The header row asked for: given, else none when hasHeaders is false, else
    the saved mapping's, else DETECT.
    """
    if not isinstance(header_row, Detect):
        return header_row
    if has_headers is False:
        return None
    if saved is not None and has_headers is None:
        return saved.header_row
    return DETECT


def _look(actor: Actor, entity: Entity, data: bytes, sheet: str | None,
          header_row: int | Detect | None, has_headers: bool | None,
          count_all: bool, max_columns: int | None = None
          ) -> tuple[SheetLook, str, list[str], str | None]:
    """The sheet's first look (see sheet_look), its format, sheets and sheet name.
    hasHeaders true asserts a header row: when none is found it is row 1. Parsing
    is CPU-bound: callers run this in a thread, off the event loop.
    """
    label = actor.settings.customer_label
    # Every sheet is parsed through first (in the reading child): a damaged
    # workbook is refused now, not when its job runs.
    opened = open_rows(data, sheet, max_columns, check=True)
    look = look_at(entity, opened.rows, header_row, label, count_all)
    if look.header_row is None and has_headers and isinstance(header_row, Detect):
        look = look_at(entity, open_rows(data, sheet, max_columns).rows, 1, label, count_all)
    return look, opened.format.value, opened.sheets, opened.sheet


def _resolve_mapping(request: ImportRequest, headers: list[str],
                     values: list[list[str]] | None = None,
                     customer_label: str = "Customer") -> list[MappedColumn]:
    if request.mapping is None:
        if not headers:
            raise UserFacingError(Problem(
                ErrorCode.REQUIRED, "No header row was found in the first "
                f"{HEADER_SEARCH_ROWS} rows: give headerRow, or a mapping by column.",
                ["input", "mapping"]))
        return [MappedColumn(column=m.column, field=m.field)
                for m in suggest(request.entity, headers, values, customer_label)]
    by_header = {normalize_header(h): i for i, h in enumerate(headers) if h}
    problems: list[Problem] = []
    mapped: list[MappedColumn] = []
    for index, (column, header, field_key) in enumerate(request.mapping):
        path = ["input", "mapping", str(index)]
        if field_for(request.entity, field_key) is None:
            problems.append(Problem(ErrorCode.UNKNOWN_FIELD,
                                    unknown_field_reason(request.entity, field_key),
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


@dataclass
class Skipped:
    """Something of a template workbook no sheet or field takes: said, not dropped."""

    sheet: str
    column: str | None
    code: RowIssueCode
    message: str


def _template_sheets(data: bytes, customer_label: str, max_columns: int
                     ) -> tuple[list[str], dict[Entity, ImportPart], list[Skipped]]:
    """The sheets of a template workbook, the parts recognised among them, and
    what the import will skip. Parsing is CPU-bound (calamine releases the GIL
    while it parses): callers run this in a thread, off the event loop.
    """
    skipped: list[Skipped] = []
    sheets = open_rows(data).sheets
    if not sheets:
        raise UserFacingError(Problem(
            ErrorCode.UNSUPPORTED_FILE,
            "The template is a workbook (XLSX, XLS or ODS), not a CSV file.", ["file"]))
    found: dict[Entity, ImportPart] = {}
    for sheet in sheets:
        entity = entity_of_sheet(sheet, customer_label)
        if entity is None or entity in found:
            what = "no sheet of the template" if entity is None else "a second sheet of "\
                f"{sheet_titles(entity, customer_label)[0]}"
            skipped.append(Skipped(sheet, None, RowIssueCode.UNKNOWN_SHEET,
                                   f"Sheet {sheet!r} is {what}: it is not imported."))
            continue
        first = next(open_rows(data, sheet, max_columns).rows, [])
        headers = [cell_text(c) or "" for c in first]
        # The template's own labels: exact matches (no values are checked here).
        mapping = [MappedColumn(column=m.column, field=m.field)
                   for m in suggest(entity, headers, None, customer_label)
                   if m.confidence >= 0.9]
        mapped = {m.column for m in mapping}
        skipped += [Skipped(sheet, header, RowIssueCode.UNMAPPED_COLUMN,
                            f"Column {header!r} is no field of this sheet: its values are "
                            "not imported.")
                    for index, header in enumerate(headers) if header and index not in mapped]
        found[entity] = ImportPart(sheet=sheet, entity=entity.value, headers=headers,
                                   mapping=mapping)
    return sheets, found, skipped


async def _template_parts(actor: Actor, data: bytes, max_columns: int
                          ) -> tuple[list[ImportPart], list[Skipped]]:
    """The recognised sheets of a template workbook, in import order, and what
    the import will skip.
    """
    try:
        sheets, found, skipped = await asyncio.to_thread(
            _template_sheets, data, actor.settings.customer_label, max_columns)
    except ImportFileError as exc:
        raise _file_problem(exc) from None
    if not found:
        names = ", ".join(sheet_titles(e, actor.settings.customer_label)[0] for e in SHEET_ORDER)
        raise UserFacingError(Problem(
            ErrorCode.UNSUPPORTED_FILE,
            f"No sheet of the template ({names}) in this file; it has: {', '.join(sheets)}.",
            ["file"]))
    return [found[e] for e in SHEET_ORDER if e in found], skipped


# As Stripe does: a key is remembered for a day, then may be used again.
IDEMPOTENCY_WINDOW = timedelta(hours=24)


def request_fingerprint(request: ImportRequest) -> str:
    """A hash of everything that decides what an import does: the file's bytes,
    the entity, sheet, headers, mapping, mode, dry run and error policy. The
    file's name is left out: the same bytes under another name import the same.
    """
    described = {
        "file": hashlib.sha256(request.data).hexdigest(),
        "entity": request.entity.value, "sheet": request.sheet,
        "has_headers": request.has_headers,
        "header_row": "detect" if isinstance(request.header_row, Detect) else request.header_row,
        "mapping": None if request.mapping is None else [list(m) for m in request.mapping],
        "mode": request.mode.value, "match_by": request.match_by.value,
        "dry_run": request.dry_run,
        "error_policy": request.error_policy.value,
        "saved_mapping_id": None if request.saved_mapping_id is None
        else str(request.saved_mapping_id),
        "save_mapping_as": request.save_mapping_as,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


async def _job_of_key(actor: Actor, key: str, fingerprint: str) -> ImportJob | None:
    """The job an idempotency key already started, if the request is the same;
    None when the key is new or has expired (an expired key is released).
    """
    found = await ImportJob.find_in(actor.org_id, {"idempotency_key": key})
    if not found:
        return None
    job = found[0]
    if job.created_at < utcnow() - IDEMPOTENCY_WINDOW:
        await ImportJob.collection().update_one(
            ImportJob.scoped(actor.org_id, {"_id": job.id, "idempotency_key": key}),
            {"$unset": {"idempotency_key": ""}})
        return None
    if job.request_fingerprint != fingerprint:
        raise UserFacingError(Problem(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            f"The idempotency key {key!r} was used at {job.created_at:%Y-%m-%d %H:%M} UTC for "
            "another request (a different file or options); use a new key for a new import.",
            ["input", "idempotencyKey"]))
    return job


async def import_file(actor: Actor, request: ImportRequest, limits: ImportLimits) -> ImportJob:
    actor.require(Permission.IMPORT)
    # What the job stores of the request is held to the rules of every stored text.
    require_valid_input({"sheet": request.sheet, "idempotency_key": request.idempotency_key,
                         "save_mapping_as": request.save_mapping_as}, ["input"])
    request.file_name = clean_text(request.file_name)[:TEXT_LIMIT] or "upload"
    import_roles.require_entity(actor, request.entity)
    if request.dry_run:
        import_roles.require_dry_run(actor)
    fingerprint = request_fingerprint(request)
    if request.idempotency_key:
        existing = await _job_of_key(actor, request.idempotency_key, fingerprint)
        if existing is not None:
            return existing
    _check_size(request.data, limits)
    _check_header_row(request.header_row, ["input", "headerRow"])
    saved = await _saved_by_id(actor, request)
    try:
        parts: list[ImportPart] = []
        skipped: list[Skipped] = []
        if request.entity is Entity.TEMPLATE:
            opened = await asyncio.to_thread(open_rows, request.data, request.sheet, None, True)
            file_format, sheet_name = opened.format.value, opened.sheet
            del opened  # its reading child ends with it
            parts, skipped = await _template_parts(actor, request.data, limits.max_columns)
            parts = await asyncio.to_thread(import_roles.allowed_parts, actor, request.data,
                                            parts)
            look = SheetLook(1, [], [])
        else:
            # The same look as importAnalyze's, without counting every row. A
            # mapping that names headers says the file has them.
            names_headers = any(header for _, header, _ in request.mapping or [])
            look, file_format, _, sheet_name = await asyncio.to_thread(
                _look, actor, request.entity, request.data, request.sheet,
                _wanted_header_row(request.header_row, request.has_headers, saved),
                request.has_headers or (request.has_headers is None and names_headers),
                False, limits.max_columns)
    except ImportFileError as exc:
        raise _file_problem(exc) from None
    if look.width > limits.max_columns:
        raise UserFacingError(Problem(
            ErrorCode.TOO_MANY_COLUMNS,
            f"The sheet has {look.width:,} columns; at most {limits.max_columns:,} are "
            "read.", ["file"]))
    headers = look.headers
    request.mapping = await _mapping_request(actor, request, headers, saved)
    mapping = [] if parts else _resolve_mapping(request, headers, look.values,
                                                actor.settings.customer_label)
    if request.save_mapping_as:
        await mappings.mapping_save(actor, request.save_mapping_as, request.entity,
                                    look.header_row is not None, [
            SavedColumn(column=m.column, header=headers[m.column] if m.column < len(headers)
                        else None, field=m.field) for m in mapping], look.header_row)
    file_id = await uploads(ImportJob.collection().database).upload_from_stream(
        request.file_name, request.data, metadata={"org_id": actor.org_id})
    job = ImportJob(
        id=PydanticObjectId(), org_id=PydanticObjectId(actor.org_id),
        entity=request.entity.value, file_id=PydanticObjectId(file_id),
        file_name=request.file_name, format=file_format, sheet=sheet_name,
        has_headers=look.header_row is not None, header_row=look.header_row,
        headers=headers, mapping=mapping,
        mode=request.mode, match_by=request.match_by, dry_run=request.dry_run,
        error_policy=request.error_policy, idempotency_key=request.idempotency_key,
        request_fingerprint=fingerprint, parts=parts, max_rows=limits.max_rows,
        created_by_key=actor.key_id,
        max_columns=limits.max_columns,
    )
    try:
        await ImportJob.collection().insert_one(job.to_mongo())
    except DuplicateKeyError:  # the same key, sent twice at once
        assert request.idempotency_key is not None
        raced = await _job_of_key(actor, request.idempotency_key, fingerprint)
        assert raced is not None, "the key's job was created within the window"
        return raced
    if skipped:  # on the header row (row 1) of their sheet, before any data row
        await ImportRowWarning.collection().insert_many([
            {k: v for k, v in ImportRowWarning(
                org_id=job.org_id, job_id=job.id, seq=0, position=0, sheet=s.sheet, row=1,
                column=s.column, code=s.code, message=s.message).to_mongo().items()
             if k != "_id"} for s in skipped])
    return job


async def get_import_job(actor: Actor, job_id: ObjectId) -> ImportJob | None:
    actor.require(Permission.READ_IMPORTS)
    return await ImportJob.get_in(actor.org_id, job_id)


async def list_import_jobs(actor: Actor, first: int | None, after: str | None,
                           status: str | None, entity: str | None) -> Page[ImportJob]:
    """Newest first, keyset on the id."""
    actor.require(Permission.READ_IMPORTS)
    limit = page_size(first)
    cursor = decode_cursor(after, ObjectId)
    index: dict[str, Any] = {"_id": {"$lt": cursor[0]}} if cursor else {}
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


async def row_issues(actor: Actor, kind: type[ImportRowIssue], job: ImportJob,
                     first: int | None, after: str | None) -> Page[ImportRowIssue]:
    """A job's row errors or warnings in file order; read in bounded windows of
    row positions.
    """
    import_roles.require_rows(actor, job)
    limit = page_size(first)
    cursor = decode_cursor(after, int, str)
    after_seq, after_id = (int(cursor[0]), str(cursor[1])) if cursor else (0, "")
    found: list[ImportRowIssue] = []
    low, width = after_seq, max(2 * (limit + 1), 64)
    while len(found) <= limit and low <= (job.total_rows or 0):
        window = {"job_id": job.id, "seq": {"$gte": low, "$lt": low + width}}
        rows = await kind.find_in(actor.org_id, window, sort=[("seq", 1), ("_id", 1)])
        found += [e for e in rows if (e.seq, str(e.id)) > (after_seq, after_id)]
        low, width = low + width, width * 2

    async def total() -> int:
        return await kind.count_in(actor.org_id, {"job_id": job.id})

    return Page(items=[(encode_cursor(e.seq, str(e.id)), e) for e in found[:limit]],
                has_next_page=len(found) > limit, count=total)


async def row_errors(actor: Actor, job: ImportJob, first: int | None,
                     after: str | None) -> Page[ImportRowIssue]:
    return await row_issues(actor, ImportRowError, job, first, after)


async def row_warnings(actor: Actor, job: ImportJob, first: int | None,
                       after: str | None) -> Page[ImportRowIssue]:
    return await row_issues(actor, ImportRowWarning, job, first, after)


async def import_cancel(actor: Actor, job_id: ObjectId) -> ImportJob:
    actor.require(Permission.IMPORT)
    job = await ImportJob.get_in(actor.org_id, job_id)
    if job is None:
        raise not_found("Import job", ["id"])
    if job.status in FINISHED:
        raise UserFacingError(Problem(ErrorCode.INVALID,
                                      f"The import has already ended ({job.status.value}).",
                                      ["id"]))
    # A queued job is cancelled here; a running one is CANCELLING until its worker
    # stops, within a batch (its heartbeat sees the request).
    await ImportJob.collection().update_one(
        ImportJob.scoped(actor.org_id, {"_id": job_id, "status": ImportStatus.QUEUED}),
        {"$set": {"status": ImportStatus.CANCELLED, "cancel_requested": True,
                  "finished_at": utcnow()}})
    await ImportJob.collection().update_one(
        ImportJob.scoped(actor.org_id, {"_id": job_id, "status": ImportStatus.RUNNING}),
        {"$set": {"status": ImportStatus.CANCELLING, "cancel_requested": True}})
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
    lists: dict[str, list[str]] = {}
    if not actor.can(Permission.READ_CUSTOMERS):
        # The lists are the organization's data, which this role may not read in GraphQL.
        return build_template(actor.settings.customer_label, lists)
    for kind, (document, _, _) in LOOKUP_FIELDS.items():
        lists[kind] = [doc.name for doc in await document.find_in(actor.org_id,
                                                                   sort=[("name_key", 1)])]
    lists["product"] = [doc.import_id for doc in await Product.find_in(
        actor.org_id, {"active": True}, sort=[("import_key", 1)])]
    return build_template(actor.settings.customer_label, lists)


def import_fields(actor: Actor, entity: Entity) -> list[Field]:
    """The registry's fields, labelled in the organization's word for customers."""
    actor.require(Permission.IMPORT)
    return labelled_fields(entity, actor.settings.customer_label)


@dataclass
class Suggestion:
    column: int
    header: str | None
    field: str
    confidence: float
    reason: str = ""


@dataclass
class Analysis:
    file_name: str
    format: str
    sheets: list[str]
    sheet: str | None
    has_headers: bool
    header_row: int | None
    headers: list[str]
    sample_rows: list[list[str | None]]
    row_count: int
    suggested: list[Suggestion]
    unmapped_columns: list[str]
    unproposed: list[UnproposedColumn]
    matched: SavedMapping | None


async def import_analyze(actor: Actor, entity: Entity, file_name: str, data: bytes,
                         sheet: str | None, has_headers: bool | None,
                         limits: ImportLimits,
                         header_row: int | Detect | None = DETECT) -> Analysis:
    """What is in a file: its header row, and the mapping we propose for it."""
    actor.require(Permission.IMPORT)
    _check_size(data, limits)
    _check_header_row(header_row, ["input", "headerRow"])
    try:
        look, file_format, sheets, sheet_name = await asyncio.to_thread(
            _look, actor, entity, data, sheet, _wanted_header_row(header_row, has_headers),
            has_headers, True, limits.max_columns)
    except ImportFileError as exc:
        raise _file_problem(exc) from None
    headers = look.headers
    matched = await mappings.matching_saved_mapping(actor, entity, headers) if headers else None
    unproposed: list[UnproposedColumn] = []
    if matched is not None:
        request = ImportRequest(entity=entity, file_name=file_name, data=b"",
                                mapping=_saved_columns(matched))
        proposal = [Suggestion(m.column, None, m.field, 1.0, f"saved mapping '{matched.name}'")
                    for m in _resolve_mapping(request, headers,
                                              customer_label=actor.settings.customer_label)]
    else:
        proposed = propose(entity, headers, look.values, actor.settings.customer_label)
        proposal = [Suggestion(m.column, None, m.field, m.confidence, m.reason)
                    for m in proposed.mapping]
        unproposed = proposed.unproposed
    for suggestion in proposal:
        suggestion.header = column_name(suggestion.column, headers) if headers else None
    mapped = {s.column for s in proposal}
    # Every column left, by header (or letter, when blank or past the headers),
    # with its samples and any reason.
    reasons = {u.column: u.reason for u in unproposed}
    unproposed = [UnproposedColumn(i, column_name(i, headers), values[:3], reasons.get(i, ""))
                  for i, values in enumerate(look.values) if i not in mapped]
    return Analysis(
        file_name=file_name, format=file_format, sheets=sheets, sheet=sheet_name,
        has_headers=look.header_row is not None, header_row=look.header_row, headers=headers,
        sample_rows=look.sample_rows, row_count=look.row_count, suggested=proposal,
        unmapped_columns=[column_name(i, headers) for i in range(look.width) if i not in mapped],
        unproposed=unproposed, matched=matched,
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

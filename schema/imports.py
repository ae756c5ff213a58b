"""Import types, inputs, the importFile/importCancel mutations and import queries."""

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Self

import strawberry
from strawberry.file_uploads import Upload

from documents import import_job as docs
from documents import saved_mapping as saved_docs
from documents.import_job import ErrorPolicy, ImportMode, ImportStatus, MatchBy
from importers.fields import Entity, FieldType, ValueKind, relabel
from importers.issues import RowIssueCode, RowOutcome
from importers.mapping import column_name
from importers.sheet_look import DETECT, Detect
from resolvers import imports, mappings
from resolvers.errors import ErrorCode, Problem, UserFacingError
from schema.context import Info
from schema.errors import UserError, payload
from schema.ids import from_global_id, optional_id, to_global_id
from schema.types import Connection, Node, connection

# The stored enums are the GraphQL enums too (strawberry.enum registers the class).
strawberry.enum(ImportStatus)
strawberry.enum(ImportMode)
strawberry.enum(ErrorPolicy)
strawberry.enum(FieldType, name="ImportFieldType")
strawberry.enum(Entity, name="ImportEntity")
ImportEntity = Entity  # what an import or export holds (schema/exports uses it too)
strawberry.enum(MatchBy, description="How an import finds the stored customer a row is about.")
strawberry.enum(RowIssueCode, description="What is wrong with a row (an error: the row "
                "failed) or what a person should check (a warning: the row landed).")
strawberry.enum(RowOutcome, description="What a row did.")


_HEADER_ROW = "The 1-based row of the column headers (rows above it are not data); null: none."


@strawberry.type
class ImportField:
    key: str
    label: str
    required: bool
    type: FieldType
    aliases: list[str]
    description: str
    value_kind: str = strawberry.field(description=(
        "The kind of value a column must hold to be proposed for the field: "
        + ", ".join(kind.value for kind in ValueKind) + "."))


@strawberry.type
class ImportProgress:
    processed_rows: int
    total_rows: int | None
    checked_rows: int = strawberry.field(description=(
        "Data rows read and checked so far, row by row: at most two batches ahead of "
        "processedRows, which counts the rows written."))


@strawberry.type
class ImportTotals:
    rows: int
    created: int
    updated: int
    unchanged: int
    failed: int
    skipped: int = strawberry.field(description="Rows not imported because the import "
                                    "stopped first (cancelled, aborted or failed).")
    warned: int = strawberry.field(description="Rows that landed with warnings (counted "
                                   "above as well): rows = created + updated + unchanged + "
                                   "failed + skipped.")


@strawberry.type
class ImportRowError:
    sheet: str | None
    row: int = strawberry.field(description="The row number as the sheet shows it.")
    column: str | None = strawberry.field(description="The header, or the column letter.")
    field: str | None
    value: str | None
    code: RowIssueCode
    message: str


@strawberry.type(description="Something a person should check on a row that landed (or on a "
                 "failed row, beside its errors): a phone kept as typed, a value read as "
                 "empty, a duplicate in the file.")
class ImportRowWarning:
    sheet: str | None
    row: int = strawberry.field(description="The spreadsheet row number.")
    column: str | None = strawberry.field(description="The header, or the column letter.")
    field: str | None
    value: str | None
    code: RowIssueCode
    message: str
    outcome: RowOutcome | None = strawberry.field(description="What the row did.")


@strawberry.type(description="How a date column was read.")
class ImportDateOrder:
    column: str
    order: str = strawberry.field(description="DAY_FIRST or MONTH_FIRST.")
    from_values: bool = strawberry.field(
        description="false: every value fitted both orders; the organization's order was used.")


@strawberry.type
class ImportJob(Node):
    entity: Entity
    status: ImportStatus
    file_name: str
    format: str
    mode: ImportMode
    match_by: MatchBy
    dry_run: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    failure_reason: str | None
    progress: ImportProgress
    totals: ImportTotals
    date_orders: list[ImportDateOrder]
    _doc: strawberry.Private[docs.ImportJob]

    @classmethod
    def from_doc(cls, doc: docs.ImportJob) -> Self:
        totals = doc.totals
        return cls(
            id=to_global_id("ImportJob", doc.id), entity=Entity(doc.entity), status=doc.status,
            file_name=doc.file_name, format=doc.format, mode=doc.mode, match_by=doc.match_by,
            dry_run=doc.dry_run,
            created_at=doc.created_at, started_at=doc.started_at,
            finished_at=doc.finished_at, failure_reason=doc.failure_reason,
            progress=ImportProgress(processed_rows=doc.checkpoint_row, total_rows=doc.total_rows,
                                    checked_rows=max(doc.checkpoint_row, doc.progress_row)),
            totals=ImportTotals(**totals.model_dump()),
            date_orders=[ImportDateOrder(column=column_name(d.column, doc.headers),
                                         order=d.order, from_values=d.from_values)
                         for d in doc.date_orders],
            _doc=doc,
        )

    @strawberry.field(description=_HEADER_ROW)
    def header_row(self) -> int | None:
        return self._doc.header_row

    @strawberry.field(description="The failed rows with their original columns and an Errors "
                      "column (also as .csv), to fix and import again; null when none failed.")
    def error_report_url(self) -> str | None:
        return f"/imports/{self.id}/errors.xlsx" if self._doc.totals.failed else None

    @strawberry.field(description="Every row that failed, with its row, column and reason.")
    async def row_errors(self, info: Info, first: int | None = None,
                         after: str | None = None) -> Connection[ImportRowError]:
        page = await imports.row_errors(info.context.actor, self._doc, first, after)
        label = info.context.actor.settings.customer_label
        return connection(page, [
            ImportRowError(sheet=e.sheet, row=e.row, column=e.column, field=e.field,
                           value=e.value, code=RowIssueCode(e.code),
                           message=relabel(e.message, label, [*e.cells, e.value]))
            for _, e in page.items], after)

    @strawberry.field(description="The rows that landed with warnings, and the warnings of "
                      "failed rows, with row, column, value and reason.")
    def warning_report_url(self) -> str | None:
        return f"/imports/{self.id}/warnings.xlsx" if self._doc.totals.warned else None

    @strawberry.field(description="Every warning, in file order.")
    async def row_warnings(self, info: Info, first: int | None = None,
                           after: str | None = None) -> Connection[ImportRowWarning]:
        page = await imports.row_warnings(info.context.actor, self._doc, first, after)
        label = info.context.actor.settings.customer_label
        return connection(page, [
            ImportRowWarning(sheet=w.sheet, row=w.row, column=w.column, field=w.field,
                             value=w.value, code=RowIssueCode(w.code),
                             message=relabel(w.message, label, [*w.cells, w.value]),
                             outcome=RowOutcome(outcome) if (
                                 outcome := getattr(w, "outcome", None)) else None)
            for _, w in page.items], after)


@strawberry.type
class SavedMapping(Node):
    name: str
    entity: Entity
    has_headers: bool
    header_row: int | None = strawberry.field(description=_HEADER_ROW)
    columns: list["MappedColumn"]

    @classmethod
    def from_doc(cls, doc: saved_docs.SavedMapping) -> Self:
        return cls(id=to_global_id("SavedMapping", doc.id), name=doc.name,
                   entity=Entity(doc.entity), has_headers=doc.has_headers,
                   header_row=doc.header_row,
                   columns=[MappedColumn(column=c.column, header=c.header, field=c.field)
                            for c in doc.columns])


@strawberry.type
class MappedColumn:
    column: int
    header: str | None
    field: str


@strawberry.type
class MappingSuggestion:
    column: int
    header: str | None
    field: str
    confidence: float = strawberry.field(
        description="0.9 or more: the header is a field's label or alias and its values fit.")
    reason: str = strawberry.field(
        description="Why: the name matched and how many sampled values fit the field.")


@strawberry.type(description="A column no field was proposed for: map it, or keep it as a "
                 "custom field.")
class UnproposedColumn:
    column: int = strawberry.field(description="0-based column index.")
    header: str = strawberry.field(description="The header, or the column letter.")
    samples: list[str] = strawberry.field(description="A few of its values.")
    reason: str | None = strawberry.field(
        description="Why a field whose name matched was not proposed (its values did not "
        "fit, or another column is proposed for it); null when no field's name matched.")


@strawberry.type
class ImportAnalysis:
    file_name: str
    format: str
    sheets: list[str]
    sheet: str | None
    has_headers: bool = strawberry.field(description="Whether there is a header row.")
    header_row: int | None = strawberry.field(description=_HEADER_ROW)
    headers: list[str]
    sample_rows: list[list[str | None]]
    row_count: int
    suggested_mapping: list[MappingSuggestion]
    unmapped_columns: list[str]
    unproposed_columns: list[UnproposedColumn] = strawberry.field(
        description="Columns not proposed for any field, with sample values.")
    matched_saved_mapping: SavedMapping | None


@strawberry.type
class ImportAnalysisPayload:
    analysis: ImportAnalysis | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SavedMappingPayload:
    mapping: SavedMapping | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MappingDeletePayload:
    deleted_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


_HEADER_ROW_INPUT = ("The 1-based row of the column headers (rows above it are not data); "
                     "null: the file has none. Left out: found in the first 30 rows "
                     "(false hasHeaders: none).")


@strawberry.input
class ImportAnalyzeInput:
    entity: Entity
    sheet: str | None = None
    has_headers: bool | None = strawberry.field(
        default=None, description="Left out: detected (see headerRow).")
    header_row: int | None = strawberry.field(default=strawberry.UNSET,
                                              description=_HEADER_ROW_INPUT)


@strawberry.input
class MappingSaveInput:
    name: str
    entity: Entity
    has_headers: bool = True
    header_row: int | None = strawberry.field(
        default=strawberry.UNSET, description="The header row of the files it maps; left "
        "out: 1 with headers, null without.")
    mapping: list["ColumnMappingInput"]


@strawberry.input
class ColumnMappingInput:
    column: int | None = strawberry.field(default=None, description="0-based column index.")
    header: str | None = None
    field: str = strawberry.field(description='A field key, or "custom:<Label>".')


@strawberry.input
class ImportFileInput:
    entity: Entity
    sheet: str | None = None
    has_headers: bool | None = strawberry.field(
        default=None, description="Left out: detected as importAnalyze does (see headerRow).")
    header_row: int | None = strawberry.field(default=strawberry.UNSET,
                                              description=_HEADER_ROW_INPUT)
    mapping: list[ColumnMappingInput] | None = strawberry.field(
        default=None, description="Left out: the suggested mapping of the headers.")
    mode: ImportMode = ImportMode.UPSERT
    match_by: MatchBy = strawberry.field(
        default=MatchBy.NAME, description="CUSTOMERS: find stored customers by name, or by "
        "their own account number (a row may then rename its customer).")
    dry_run: bool = False
    error_policy: ErrorPolicy = ErrorPolicy.REJECT_FAILED_ROWS
    idempotency_key: str | None = None
    saved_mapping_id: strawberry.ID | None = None
    save_mapping_as: str | None = strawberry.field(
        default=None, description="Save the mapping used under this name, for reuse.")


@strawberry.input
class ImportJobFilter:
    status: ImportStatus | None = None
    entity: Entity | None = None


@strawberry.type
class ImportJobPayload:
    job: ImportJob | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _not_a_file(received: object) -> str:
    if isinstance(received, str):
        return (f"text of {len(received):,} characters (a form field without a filename, "
                "or a JSON string)")
    return f"a JSON {type(received).__name__}" if received is not None else "null"


def _header_row(given: int | None) -> int | Detect | None:
    return DETECT if given is strawberry.UNSET else given


async def _received(file: Upload) -> tuple[str, bytes]:
    """The upload's name and bytes; the spooled temporary file is closed at once."""
    if not callable(getattr(file, "read", None)):
        raise UserFacingError(Problem(
            ErrorCode.INVALID_FILE,
            f"file must be an uploaded file: a multipart part with a filename, as the GraphQL "
            f"multipart request spec sends it; received {_not_a_file(file)}.", ["file"]))
    data: bytes = await file.read()  # type: ignore[attr-defined]
    await file.close()  # type: ignore[attr-defined]
    return getattr(file, "filename", None) or "upload", data


@strawberry.type
class ImportMutations:
    @strawberry.mutation(description="Queue an import of an uploaded file; answers at once.")
    async def import_file(
        self, info: Info, file: Upload, input: ImportFileInput  # noqa: A002
    ) -> ImportJobPayload:
        async def queue() -> docs.ImportJob:
            file_name, data = await _received(file)
            request = imports.ImportRequest(
                entity=input.entity, file_name=file_name, data=data,
                sheet=input.sheet, has_headers=input.has_headers,
                header_row=_header_row(input.header_row),
                mapping=None if input.mapping is None else [
                    (m.column, m.header, m.field) for m in input.mapping],
                mode=input.mode, match_by=input.match_by, dry_run=input.dry_run,
                error_policy=input.error_policy,
                idempotency_key=input.idempotency_key,
                saved_mapping_id=optional_id(input.saved_mapping_id, "SavedMapping"),
                save_mapping_as=input.save_mapping_as,
            )
            return await imports.import_file(
                info.context.actor, request, info.context.import_limits)

        return await payload(info, queue(), lambda job: ImportJobPayload(
            job=ImportJob.from_doc(job)), ImportJobPayload)

    @strawberry.mutation(description="What is in a file, and the mapping proposed for it.")
    async def import_analyze(
        self, info: Info, file: Upload, input: ImportAnalyzeInput  # noqa: A002
    ) -> ImportAnalysisPayload:
        async def analyze() -> imports.Analysis:
            file_name, data = await _received(file)
            return await imports.import_analyze(
                info.context.actor, input.entity, file_name, data, input.sheet,
                input.has_headers, info.context.import_limits, _header_row(input.header_row))

        return await payload(info, analyze(), _analysis, ImportAnalysisPayload)

    @strawberry.mutation(description="Save a mapping under a name (replacing one of that name).")
    async def mapping_save(self, info: Info, input: MappingSaveInput  # noqa: A002
                           ) -> SavedMappingPayload:
        columns = [saved_docs.SavedColumn(column=m.column if m.column is not None else -1,
                                          header=m.header, field=m.field)
                   for m in input.mapping]
        return await payload(
            info, mappings.mapping_save(info.context.actor, input.name, input.entity,
                                        input.has_headers, columns, _header_row(input.header_row)),
            lambda saved: SavedMappingPayload(mapping=SavedMapping.from_doc(saved)),
            SavedMappingPayload)

    @strawberry.mutation
    async def mapping_delete(self, info: Info, id: strawberry.ID  # noqa: A002
                             ) -> MappingDeletePayload:
        return await payload(
            info, mappings.mapping_delete(info.context.actor, from_global_id(id, "SavedMapping")),
            lambda _: MappingDeletePayload(deleted_id=id), MappingDeletePayload)

    @strawberry.mutation(description="Cancel a queued or running import.")
    async def import_cancel(self, info: Info, id: strawberry.ID) -> ImportJobPayload:  # noqa: A002
        return await payload(
            info, imports.import_cancel(info.context.actor, from_global_id(id, "ImportJob")),
            lambda job: ImportJobPayload(job=ImportJob.from_doc(job)), ImportJobPayload)

    @strawberry.mutation(description="Queue a failed import again; it goes on after the "
                                     "last rows it imported.")
    async def import_resume(self, info: Info, id: strawberry.ID) -> ImportJobPayload:  # noqa: A002
        return await payload(
            info, imports.import_resume(info.context.actor, from_global_id(id, "ImportJob")),
            lambda job: ImportJobPayload(job=ImportJob.from_doc(job)), ImportJobPayload)


def _analysis(found: imports.Analysis) -> ImportAnalysisPayload:
    return ImportAnalysisPayload(analysis=ImportAnalysis(
        file_name=found.file_name, format=found.format, sheets=found.sheets,
        sheet=found.sheet, has_headers=found.has_headers, header_row=found.header_row,
        headers=found.headers, sample_rows=found.sample_rows, row_count=found.row_count,
        suggested_mapping=[MappingSuggestion(column=s.column, header=s.header,
                                             field=s.field, confidence=s.confidence,
                                             reason=s.reason)
                           for s in found.suggested],
        unmapped_columns=found.unmapped_columns,
        unproposed_columns=[UnproposedColumn(column=u.column, header=u.header,
                                             samples=u.samples, reason=u.reason or None)
                            for u in found.unproposed],
        matched_saved_mapping=None if found.matched is None
        else SavedMapping.from_doc(found.matched),
    ))


@strawberry.type
class ImportQueries:
    @strawberry.field
    async def import_job(self, info: Info, id: strawberry.ID) -> ImportJob | None:  # noqa: A002
        job = await imports.get_import_job(info.context.actor, from_global_id(id, "ImportJob"))
        return None if job is None else ImportJob.from_doc(job)

    @strawberry.field(description="Imports, newest first.")
    async def import_jobs(self, info: Info, first: int | None = None, after: str | None = None,
                          filter: ImportJobFilter | None = None  # noqa: A002
                          ) -> Connection[ImportJob]:
        given = filter or ImportJobFilter()
        page = await imports.list_import_jobs(
            info.context.actor, first, after,
            given.status.value if given.status else None,
            given.entity.value if given.entity else None)
        return connection(page, [ImportJob.from_doc(job) for _, job in page.items], after)

    @strawberry.field
    async def saved_mappings(self, info: Info, entity: Entity) -> list[SavedMapping]:
        found = await mappings.saved_mappings(info.context.actor, entity)
        return [SavedMapping.from_doc(doc) for doc in found]

    @strawberry.field(description="The fields an import of this entity can fill.")
    def import_fields(self, info: Info, entity: Entity) -> list[ImportField]:
        return [ImportField(key=f.key, label=f.label, required=f.required, type=f.type,
                            aliases=list(f.aliases), description=f.description,
                            value_kind=f.value_kind.value)
                for f in imports.import_fields(info.context.actor, entity)]


@strawberry.type
class ImportSubscriptions:
    @strawberry.subscription(description="The job's progress, one event per step and one "
                             "when it ends.")
    async def import_job_updated(
        self, info: Info, id: strawberry.ID  # noqa: A002
    ) -> AsyncGenerator[ImportJob, None]:
        jobs = imports.watch_import_job(info.context.actor, from_global_id(id, "ImportJob"))
        async for job in jobs:
            yield ImportJob.from_doc(job)

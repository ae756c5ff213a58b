"""Export types and inputs, the exportStart mutation and the exportJob query."""

from dataclasses import asdict
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, Self

import strawberry

from documents import export_job as docs
from resolvers import exports
from schema.context import Info
from schema.errors import UserError, payload
from schema.ids import from_global_id, optional_id, to_global_id
from schema.imports import ImportEntity as Entity  # one GraphQL enum for both
from schema.inputs import CustomerFilter, SiteFilter
from schema.products import ProductFilter, ProductLineFilter


@strawberry.enum(description="The file an export writes.")
class ExportFormat(Enum):
    XLSX = strawberry.enum_value("XLSX", description="An Excel workbook.")
    CSV = strawberry.enum_value("CSV", description="CSV in UTF-8 with a BOM (one entity only).")


@strawberry.enum(description="Where an export is.")
class ExportStatus(Enum):
    QUEUED = strawberry.enum_value("QUEUED", description="Waiting for a worker.")
    RUNNING = strawberry.enum_value("RUNNING", description="A worker is writing the file.")
    SUCCEEDED = strawberry.enum_value("SUCCEEDED", description="The file is ready to download.")
    FAILED = strawberry.enum_value("FAILED", description="It stopped; failureReason says why.")


@strawberry.input(description="Which rows to export: the filters of the list queries. Each "
                  "entity's sheet reads its own (contacts and equipment: their customers').")
class ExportFilter:
    customers: CustomerFilter | None = strawberry.field(
        default=None, description="As `customers(filter:)`: customers, contacts, equipment.")
    sites: SiteFilter | None = strawberry.field(
        default=None, description="As `sites(filter:)`.")
    products: ProductFilter | None = strawberry.field(
        default=None, description="As `products(filter:)`.")
    product_lines: ProductLineFilter | None = strawberry.field(
        default=None, description="As `productLines(filter:)`.")


@strawberry.input(description="What to export, in which format, selected by which filter.")
class ExportStartInput:
    entity: Entity = strawberry.field(
        description="One entity's template sheet, or TEMPLATE: the whole standard template.")
    format: ExportFormat = strawberry.field(
        default=ExportFormat.XLSX, description="XLSX (default) or CSV.")
    filter: ExportFilter | None = strawberry.field(
        default=None, description="Which rows; everything the list queries list when left out.")


@strawberry.type(description="An export: a worker writes its file, kept for 24 hours.")
class ExportJob:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    entity: Entity = strawberry.field(description="What is exported.")
    format: ExportFormat = strawberry.field(description="XLSX or CSV.")
    status: ExportStatus = strawberry.field(description="Where the export is.")
    rows: int = strawberry.field(description="Rows written so far; all of them once it "
                                 "succeeded (header rows not counted).")
    progress: float = strawberry.field(
        description="From 0 to 1: the share of the selected documents read so far.")
    file_name: str | None = strawberry.field(description="The file's name, once written.")
    download_url: str | None = strawberry.field(
        description="GET it with the same API key, once SUCCEEDED.")
    failure_reason: str | None = strawberry.field(description="Why it failed.")
    created_at: datetime = strawberry.field(description="When it was asked for.")
    finished_at: datetime | None = strawberry.field(description="When the file was ready.")
    expires_at: datetime = strawberry.field(
        description="When the file and this job are deleted.")

    @classmethod
    def from_doc(cls, doc: docs.ExportJob) -> Self:
        global_id = to_global_id("ExportJob", doc.id)
        done = doc.status is docs.ExportStatus.SUCCEEDED
        return cls(
            id=global_id, entity=Entity(doc.entity), format=ExportFormat[doc.format.name],
            status=ExportStatus[doc.status.name], rows=doc.rows,
            progress=1.0 if done else doc.progress, file_name=doc.file_name,
            download_url=f"/exports/{global_id}/file" if done else None,
            failure_reason=doc.failure_reason, created_at=doc.created_at,
            finished_at=doc.finished_at, expires_at=doc.expires_at)


@strawberry.type(description="exportStart's answer.")
class ExportJobPayload:
    job: ExportJob | None = strawberry.field(default=None, description="The queued export.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused.")


def _plain(given: Any, ids: dict[str, str]) -> dict[str, Any]:
    """A filter input as stored values: ids decoded (a foreign one matches nothing),
    dates as datetimes (BSON has no date).
    """
    if given is None:
        return {}
    values: dict[str, Any] = {}
    for name, value in asdict(given).items():
        if value is None:
            continue
        if name in ids:
            value = optional_id(value, ids[name])
        elif isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        values[name] = value
    return values


def stored_filter(given: ExportFilter | None) -> dict[str, dict[str, Any]]:
    given = given or ExportFilter()
    return {
        "customers": _plain(given.customers, {
            "customer_type_id": "CustomerType", "lead_source_id": "LeadSource",
            "assigned_user_id": "User", "billing_customer_id": "Customer"}),
        "sites": _plain(given.sites, {"customer_id": "Customer"}),
        "products": _plain(given.products, {}),
        "product_lines": _plain(given.product_lines, {"customer_id": "Customer",
                                                      "product_id": "Product"}),
    }


@strawberry.type
class ExportMutations:
    @strawberry.mutation(description="Queue an export; answers at once with the job. Each "
                         "entity's file has the exact columns of its template sheet, so it "
                         "imports back unchanged with no mapping.")
    async def export_start(
        self, info: Info,
        input: Annotated[ExportStartInput,  # noqa: A002 - the API's name
                         strawberry.argument(description="What to export, and how.")],
    ) -> ExportJobPayload:
        return await payload(
            info, exports.export_start(info.context.actor, input.entity,
                                       docs.ExportFormat(input.format.name),
                                       stored_filter(input.filter)),
            lambda job: ExportJobPayload(job=ExportJob.from_doc(job)), ExportJobPayload)


@strawberry.type
class ExportQueries:
    @strawberry.field(description="An export by id; null when missing, expired, or another "
                      "organization's.")
    async def export_job(
        self, info: Info,
        id: Annotated[strawberry.ID,  # noqa: A002 - the API's name
                      strawberry.argument(description="The export's id.")],
    ) -> ExportJob | None:
        job = await exports.get_export_job(info.context.actor, from_global_id(id, "ExportJob"))
        return None if job is None else ExportJob.from_doc(job)

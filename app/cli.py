"""The `sitebook` command line.

Commands import what they use when they run: `sitebook --help` or `sitebook
apikey list` should not pay for the import pipeline, openpyxl or uvicorn.
"""

import asyncio
import json
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from importers.fields import Entity

if TYPE_CHECKING:
    from rich.console import Console

    from documents.organization import Organization
    from resolvers.actor import Actor

T = TypeVar("T")

cli = typer.Typer(help="sitebook: customers, sites, contacts and equipment over GraphQL.",
                  no_args_is_help=True)
org_cli = typer.Typer(help="Organizations.", no_args_is_help=True)
apikey_cli = typer.Typer(help="API keys.", no_args_is_help=True)
cli.add_typer(org_cli, name="org")
cli.add_typer(apikey_cli, name="apikey")


class RoleName(StrEnum):
    """documents.api_key.Role, spelled again so that --help needs no database code;
    tests/test_cli.py holds the two equal.
    """

    ADMIN = "admin"
    OFFICE = "office"
    FIELD = "field"
    PARTNER = "partner"


ENTITIES = ", ".join(e.value for e in Entity)


class ImportExit(IntEnum):
    """`sitebook import`'s exit status (click itself uses 2 for a bad command line)."""

    ALL_ROWS_IMPORTED = 0
    NOT_STARTED = 1  # the file, mapping or organization was refused; nothing was read
    ROWS_FAILED = 3  # the import ran; some rows failed (see the errors printed)
    JOB_FAILED = 4  # the import stopped: failed or cancelled (see the reason printed)


def _err() -> "Console":
    """Messages go to stderr so stdout carries only what scripts capture."""
    from rich.console import Console

    return Console(stderr=True)


def _with_database(action: Callable[[], Awaitable[T]]) -> T:
    """Run `action` against the database: the running embedded server if there
    is one (see db.uri), else one started for this command and stopped after.
    """

    from app.database import Database
    from app.settings import Settings

    async def run() -> T:
        database = Database(Settings())
        await database.open()
        try:
            return await action()
        finally:
            await database.close()

    return asyncio.run(run())


@cli.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = typer.Option(1, "--workers", min=1, envvar="SITEBOOK_WORKERS",
                                help="Service processes, sharing one database and port."),
) -> None:
    """Start the GraphQL service (and the embedded database if MONGODB_URI is unset)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if workers > 1:
        from app.settings import Settings
        from app.supervisor import supervise

        asyncio.run(supervise(Settings(), host, port, workers))
        return
    import uvicorn

    from app.access_log import log_config
    from app.asgi import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info", log_config=log_config())


@cli.command()
def worker(
    count: int = typer.Option(1, "--count", help="Concurrent workers in this process."),
    exports: int = typer.Option(1, "--exports", help="Concurrent export workers too."),
) -> None:
    """Run import (and export) workers as their own process, until SIGINT or SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from app.database import Database
    from app.settings import Settings
    from importers.worker import work, worker_name
    from resolvers.export_worker import work_exports

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        settings = Settings()
        database = Database(settings)
        await database.open()
        try:
            _err().print(f"{count} import worker(s) and {exports} export worker(s) "
                         "waiting for jobs")
            await asyncio.gather(*(work(database.db, worker_name(n), stop,
                                        settings.import_lease,
                                        patience=settings.import_patience)
                                   for n in range(count)),
                                 *(work_exports(database.db, worker_name(n), stop)
                                   for n in range(exports)))
        finally:
            await database.close()

    asyncio.run(run())


def _stored_text(value: str | None, option: str) -> str | None:
    """A text the CLI stores, held to the API's rules: no control characters, capped."""
    from documents.text import TEXT_LIMIT, clean_text, unstorable_character

    if value is None:
        return None
    bad = unstorable_character(value)
    if bad or len(value) > TEXT_LIMIT:
        reason = f"holds a control character ({bad})" if bad else f"is over {TEXT_LIMIT} characters"
        raise typer.BadParameter(f"the text {reason}", param_hint=option)
    return clean_text(value).strip() or None


@org_cli.command("create")
def org_create(slug: str = typer.Argument(..., help="Lowercase letters, digits and single "
                                          "hyphens, at most 39 characters, e.g. acme-plumbing."),
               name: str | None = typer.Option(None, help="Display name.")) -> None:
    """Create an organization."""
    from app.auth import AlreadyExists, create_org, slug_problem

    problem = slug_problem(slug)
    if problem is not None:
        _err().print(f"[red]{problem}[/red]")
        raise typer.Exit(1)
    name = _stored_text(name, "--name")

    async def create() -> None:
        try:
            await create_org(slug, name)
        except AlreadyExists as exc:
            _err().print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
        _err().print(f"created organization {slug!r}")

    _with_database(create)


@apikey_cli.command("create")
def apikey_create(
    org: str = typer.Option(..., help="The organization's slug."),
    role: RoleName = typer.Option(..., case_sensitive=False,
                                  help="What the key may do (see README, Roles)."),
    name: str | None = typer.Option(None, help="What the key is for."),
) -> None:
    """Create an API key and print it (only it, on stdout); it is not shown again."""
    from app.auth import create_api_key
    from documents.api_key import Role
    name = _stored_text(name, "--name")

    async def create() -> str:
        return await create_api_key(await _org(org), Role(role.value), name)

    typer.echo(_with_database(create))


@apikey_cli.command("list")
def apikey_list(org: str = typer.Option(..., help="The organization's slug.")) -> None:
    """List an organization's keys by prefix (the keys themselves are never stored)."""

    from documents.api_key import ApiKey

    async def listing() -> None:
        found = await _org(org)
        async for key in ApiKey.find({"org_id": found.id}).sort("created_at"):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            typer.echo(f"{key.prefix}\t{key.role.value}\t{state}\t{key.name or ''}")

    _with_database(listing)


@apikey_cli.command("revoke")
def apikey_revoke(
    prefix: str,
    org: str = typer.Option(..., help="The organization's slug."),
) -> None:
    """Revoke the key with this prefix; requests with it get HTTP 401 from now on."""

    from app.auth import revoke_api_key
    from documents.organization import Organization

    async def revoke() -> None:
        found = await Organization.find_one({"slug": org})
        if found is None or not await revoke_api_key(found, prefix):
            _err().print(f"[red]{org!r} has no active key that starts with {prefix!r}[/red]")
            raise typer.Exit(1)
        _err().print(f"revoked {prefix}")

    _with_database(revoke)


@cli.command("rekey")
def rekey_command(
    org: str | None = typer.Option(None, help="One organization's slug; all when left out."),
) -> None:
    """Recompute stored name keys (after an upgrade changed how names are matched).

    Safe to run at any time and more than once; names that now collide are
    listed, keep their old key, and the command exits 1.
    """

    from documents.organization import Organization
    from resolvers.name_keys import rekey

    async def run() -> int:
        query = {} if org is None else {"slug": org}
        conflicts = 0
        async for found in Organization.find(query):
            assert found.id is not None
            report = await rekey(found.id)
            conflicts += len(report.conflicts)
            _err().print(f"{found.slug}: {report.changed} keys recomputed")
            for collection, text in report.conflicts:
                _err().print(f"[yellow]{found.slug}: {collection} {text!r} looks the same as "
                          "another; rename or merge it, then run rekey again[/yellow]")
        return conflicts

    if _with_database(run):
        raise typer.Exit(1)


@cli.command("reindex-search")
def reindex_search_command(
    org: str | None = typer.Option(None, help="One organization's slug; all when left out."),
) -> None:
    """Put customers stored before the search prefixes into the search index.

    Run once after upgrading past them; safe to run at any time and more than once.
    """

    from resolvers.search_index import drop_former_index, reindex_orgs

    async def run() -> None:
        for slug, changed in (await reindex_orgs(org)).items():
            _err().print(f"{slug}: {changed} customers indexed for search")
        if await drop_former_index():
            _err().print("dropped the former search index (org_id, search_tokens)")

    _with_database(run)


def _actor(org: "Organization") -> "Actor":
    # The command line speaks for the organization with an admin's rights.
    from documents.api_key import Role
    from resolvers.actor import Actor

    assert org.id is not None
    return Actor(org_id=org.id, org_slug=org.slug, role=Role.ADMIN, settings=org.settings)


async def _org(slug: str) -> "Organization":
    from documents.organization import Organization

    found = await Organization.find_one({"slug": slug})
    if found is None:
        _err().print(f"[red]no organization {slug!r}[/red]")
        raise typer.Exit(1)
    return found


def _mapping(path: Path | None) -> list[tuple[int | None, str | None, str]] | None:
    """A mapping file: {"Header": "field", ...} or [{"column"|"header": ..., "field": ...}]."""
    if path is None:
        return None
    given = json.loads(path.read_text())
    if isinstance(given, dict):
        return [(None, str(header), str(field)) for header, field in given.items()]
    return [(item.get("column"), item.get("header"), item["field"]) for item in given]


@cli.command("import")
def import_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV, XLSX, XLS or ODS."),
    org: str = typer.Option(..., help="The organization's slug."),
    entity: Entity = typer.Option(..., case_sensitive=False,
                                  help=f"What the file holds: {ENTITIES} (any case)."),
    mapping: Path | None = typer.Option(None, help="A JSON mapping; default: suggested."),
    sheet: str | None = typer.Option(None, help="The sheet to read (default: the first)."),
    no_headers: bool = typer.Option(False, "--no-headers", help="The first row is data."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check everything, write nothing."),
) -> None:
    """Import a file with the same pipeline as the API, showing progress.

    Exit status: 0 when every row was imported, 3 when some rows failed, 4 when
    the import failed or was cancelled, 1 when the file was refused before any
    row was read.
    """
    from rich.progress import Progress

    from app.settings import Settings
    from documents.import_job import FINISHED, ImportJob, ImportRowError, ImportStatus
    from importers.worker import JobRun, claim, worker_name
    from resolvers.errors import UserFacingError
    from resolvers.imports import ImportLimits, ImportRequest, import_file

    err = _err()
    request = ImportRequest(
        entity=entity, file_name=file.name, data=file.read_bytes(), sheet=sheet,
        has_headers=not no_headers, mapping=_mapping(mapping), dry_run=dry_run)

    async def run() -> ImportJob:
        actor = _actor(await _org(org))
        settings = Settings()
        try:
            job = await import_file(actor, request, ImportLimits(
                settings.max_upload_bytes, settings.max_import_rows,
                settings.max_import_columns))
        except UserFacingError as exc:
            for problem in exc.problems:
                err.print(f"[red]{problem.code.value}[/red]: {problem.message}")
            raise typer.Exit(ImportExit.NOT_STARTED) from None
        assert job.id is not None
        claimed = await claim(worker_name(0), job.id, lease=settings.import_lease)
        database = ImportJob.collection().database
        with Progress(console=err) as progress:
            task = progress.add_task(f"importing {file.name}", total=None)
            running = None if claimed is None else asyncio.create_task(
                JobRun(claimed, database, settings.import_lease, settings.import_patience).run())
            while True:
                current = await ImportJob.get(job.id)
                assert current is not None
                progress.update(task, completed=current.checkpoint_row,
                                total=current.total_rows)
                if current.status in FINISHED:
                    break
                await asyncio.sleep(0.2)
            if running is not None:
                await running
        return current

    job = _with_database(run)
    totals = job.totals
    typer.echo(f"{job.status.value}: {totals.rows} rows, {totals.created} created, "
               f"{totals.updated} updated, {totals.unchanged} unchanged, {totals.failed} failed"
               + (" (dry run: nothing written)" if job.dry_run else ""))
    if job.failure_reason:
        typer.echo(job.failure_reason)

    async def first_errors() -> list[ImportRowError]:
        return await ImportRowError.find_in(job.org_id, {"job_id": job.id},
                                            sort=[("seq", 1)], limit=10)

    for error in _with_database(first_errors) if totals.failed else []:
        where = f"{error.sheet + ' ' if error.sheet else ''}row {error.row}"
        column = f", {error.column}" if error.column else ""
        typer.echo(f"  {where}{column}: {error.code}: {error.message}")
    if job.status in (ImportStatus.FAILED, ImportStatus.CANCELLED):
        raise typer.Exit(ImportExit.JOB_FAILED)
    if totals.failed:
        raise typer.Exit(ImportExit.ROWS_FAILED)


@cli.command()
def template(
    out: Path = typer.Argument(..., dir_okay=False, help="Where to write the workbook."),
    org: str = typer.Option(..., help="The organization's slug."),
) -> None:
    """Write the standard import template, with the organization's lookup lists."""
    from resolvers.imports import template_workbook

    async def build() -> bytes:
        return await template_workbook(_actor(await _org(org)))

    out.write_bytes(_with_database(build))
    _err().print(f"wrote {out}")


@cli.command("schema")
def schema_command(
    out: Path = typer.Option(None, "--out", dir_okay=False,
                             help="Where to write the SDL (default: schema.graphql at the "
                             "repository's root; - for stdout)."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 when the file "
                               "is not the current schema."),
    allow_breaking: bool = typer.Option(False, "--allow-breaking", help="Write even when the "
                                        "change breaks clients of the file's schema."),
) -> None:
    """Write the GraphQL schema as SDL, for partners' code generators.

    A change that would break clients of the schema in the file (a field removed,
    a type changed, a new required argument) is listed and not written unless
    --allow-breaking says it is deliberate.
    """
    from schema.sdl import SDL_FILE, breaking_changes, current_sdl, dangerous_changes

    sdl = current_sdl()
    if str(out) == "-":
        typer.echo(sdl, nl=False)
        return
    target = out or SDL_FILE
    old = target.read_text() if target.exists() else None
    breaking = [] if old is None else breaking_changes(old, sdl)
    err = _err()
    for change in breaking:
        err.print(f"[red]breaking:[/red] {change}")
    for change in [] if old is None else dangerous_changes(old, sdl):
        err.print(f"[yellow]dangerous:[/yellow] {change}")
    if check:
        if old != sdl:
            err.print(f"{target} is not the current schema: run `sitebook schema`")
            raise typer.Exit(1)
        return
    if breaking and not allow_breaking:
        err.print(f"[red]{target} not written[/red]: these changes break clients; make them "
                  "deliberately with --allow-breaking (and tell partners).")
        raise typer.Exit(1)
    target.write_text(sdl)
    err.print(f"wrote {target}")


@cli.command("export")
def export_command(
    out: Path = typer.Argument(..., dir_okay=False, help="Where to write the file."),
    org: str = typer.Option(..., help="The organization's slug."),
    entity: Entity = typer.Option(..., help="CUSTOMERS, SITES, CONTACTS, EQUIPMENT, PRODUCTS, "
                                  "PRODUCT_LINES or TEMPLATE (the whole template workbook)."),
    export_format: str | None = typer.Option(
        None, "--format", help="XLSX or CSV (default: from OUT's extension, else XLSX)."),
    search: str | None = typer.Option(None, help="Customers, sites or products whose words "
                                      "start with these."),
    archived: bool = typer.Option(False, "--archived", help="Archived customers instead."),
    updated_since: datetime | None = typer.Option(None, help="Customers or sites changed since."),
    recurring: bool | None = typer.Option(None, help="Products that are (not) recurring."),
    active: bool | None = typer.Option(None, help="Products that are (not) active."),
    renewal: bool | None = typer.Option(None, help="Product lines that are (not) renewals."),
    opportunity: str | None = typer.Option(None, help="Product lines of this opportunity."),
) -> None:
    """Export with the same worker as the API, showing progress; the file imports back
    unchanged.
    """
    from rich.progress import Progress

    from documents.export_job import ExportFormat, ExportJob, ExportStatus
    from importers.worker import worker_name
    from resolvers.errors import UserFacingError
    from resolvers.export_worker import ExportRun, claim_export
    from resolvers.export_worker import exports as exports_bucket
    from resolvers.exports import export_start

    err = _err()
    if export_format is not None and export_format.upper() not in ExportFormat.__members__:
        raise typer.BadParameter("XLSX or CSV", param_hint="--format")
    chosen = ExportFormat[export_format.upper()] if export_format else (
        ExportFormat.CSV if out.suffix.lower() == ".csv" else ExportFormat.XLSX)
    customers: dict[str, Any] = {k: v for k, v in (("search", search),
                                                   ("updated_since", updated_since))
                                 if v is not None}
    given: dict[str, dict[str, Any]] = {
        "customers": {**customers, **({"archived": True} if archived else {})},
        "sites": customers,
        "products": {k: v for k, v in (("search", search), ("recurring", recurring),
                                       ("active", active)) if v is not None},
        "product_lines": {k: v for k, v in (("renewal", renewal),
                                            ("opportunity", opportunity)) if v is not None},
    }

    async def run() -> ExportJob:
        actor = _actor(await _org(org))
        try:
            job = await export_start(actor, entity, chosen, given)
        except UserFacingError as exc:
            for problem in exc.problems:
                err.print(f"[red]{problem.code.value}[/red]: {problem.message}")
            raise typer.Exit(1) from None
        claimed = await claim_export(worker_name(0), job_id=job.id)
        database = ExportJob.collection().database
        with Progress(console=err) as progress:
            task = progress.add_task(f"exporting {entity.value.lower()}", total=100)
            running = None if claimed is None else asyncio.create_task(
                ExportRun(claimed, database).run())
            while True:
                current = await ExportJob.get(job.id)
                assert current is not None
                progress.update(task, completed=100 * current.progress,
                                description=f"exporting {entity.value.lower()}: "
                                f"{current.rows:,} rows")
                if current.status in (ExportStatus.SUCCEEDED, ExportStatus.FAILED):
                    progress.update(task, completed=100)
                    break
                await asyncio.sleep(0.2)
            if running is not None:
                await running
        if current.file_id is not None:
            stream = await exports_bucket(database).open_download_stream(current.file_id)
            with out.open("wb") as written:
                while chunk := await stream.readchunk():
                    written.write(chunk)
        return current

    job = _with_database(run)
    if job.status is not ExportStatus.SUCCEEDED:
        typer.echo(f"{job.status.value}: {job.failure_reason or ''}")
        raise typer.Exit(1)
    err.print(f"wrote {job.rows:,} rows to {out}")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()

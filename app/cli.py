"""The `sitebook` command line."""

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
import uvicorn
from rich.console import Console

from app.auth import AlreadyExists, create_api_key, create_org, revoke_api_key
from app.database import Database
from app.settings import Settings
from documents.api_key import ApiKey, Role
from documents.organization import Organization
from importers.worker import work, worker_name

T = TypeVar("T")

cli = typer.Typer(help="sitebook: customers, sites, contacts and equipment over GraphQL.",
                  no_args_is_help=True)
org_cli = typer.Typer(help="Organizations.", no_args_is_help=True)
apikey_cli = typer.Typer(help="API keys.", no_args_is_help=True)
cli.add_typer(org_cli, name="org")
cli.add_typer(apikey_cli, name="apikey")
# Messages go to stderr so stdout carries only what scripts capture.
err = Console(stderr=True)


def _with_database(action: Callable[[], Awaitable[T]]) -> T:
    """Run `action` against the database: the running embedded server if there
    is one (see db.uri), else one started for this command and stopped after.
    """

    async def run() -> T:
        database = Database(Settings())
        await database.open()
        try:
            return await action()
        finally:
            await database.close()

    return asyncio.run(run())


@cli.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Start the GraphQL service (and the embedded database if MONGODB_URI is unset)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from app.asgi import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info")


@cli.command()
def worker(
    count: int = typer.Option(1, "--count", help="Concurrent workers in this process."),
) -> None:
    """Run import workers as their own process, until SIGINT or SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        database = Database(Settings())
        await database.open()
        try:
            err.print(f"{count} import worker(s) waiting for jobs")
            await asyncio.gather(*(work(database.db, worker_name(n), stop) for n in range(count)))
        finally:
            await database.close()

    asyncio.run(run())


@org_cli.command("create")
def org_create(slug: str, name: str | None = typer.Option(None, help="Display name.")) -> None:
    """Create an organization."""

    async def create() -> None:
        try:
            await create_org(slug, name)
        except AlreadyExists as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
        err.print(f"created organization {slug!r}")

    _with_database(create)


@apikey_cli.command("create")
def apikey_create(
    org: str = typer.Option(..., help="The organization's slug."),
    role: Role = typer.Option(..., help="admin, office, field or partner."),
    name: str | None = typer.Option(None, help="What the key is for."),
) -> None:
    """Create an API key and print it (only it, on stdout); it is not shown again."""

    async def create() -> str:
        found = await Organization.find_one({"slug": org})
        if found is None:
            err.print(f"[red]no organization {org!r}[/red]")
            raise typer.Exit(1)
        return await create_api_key(found, role, name)

    typer.echo(_with_database(create))


@apikey_cli.command("list")
def apikey_list(org: str = typer.Option(..., help="The organization's slug.")) -> None:
    """List an organization's keys by prefix (the keys themselves are never stored)."""

    async def listing() -> None:
        found = await Organization.find_one({"slug": org})
        if found is None:
            err.print(f"[red]no organization {org!r}[/red]")
            raise typer.Exit(1)
        async for key in ApiKey.find({"org_id": found.id}).sort("created_at"):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            typer.echo(f"{key.prefix}\t{key.role.value}\t{state}\t{key.name or ''}")

    _with_database(listing)


@apikey_cli.command("revoke")
def apikey_revoke(prefix: str) -> None:
    """Revoke the key with this prefix; requests with it get HTTP 401 from now on."""

    async def revoke() -> None:
        if not await revoke_api_key(prefix):
            err.print(f"[red]no active key starts with {prefix!r}[/red]")
            raise typer.Exit(1)
        err.print(f"revoked {prefix}")

    _with_database(revoke)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()

"""One embedded SecantusDB per test run, the real app over HTTP, and clean
collections around each test. No mocks: PyMongo talks to the server over
the wire, as production talks to MongoDB.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pymongo import monitoring
from starlette.applications import Starlette

from app.asgi import create_app
from app.auth import create_api_key, create_org
from app.embedded import EmbeddedServer
from app.settings import Settings
from documents.api_key import Role
from resolvers.actor_cache import ACTORS
from resolvers.lookup_cache import LOOKUPS
from tests.tenant_filters import TenantFilterCheck

TEST_DATABASE = "sitebook_test"


class CommandLog(monitoring.CommandListener):
    """Every command the app's client sends to the test database, in order."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, dict[str, Any]]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name == TEST_DATABASE:
            self.commands.append((event.command_name, dict(event.command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


# Registered before any client exists, so they see the app's client too.
COMMAND_LOG = CommandLog()
monitoring.register(COMMAND_LOG)
TENANT_FILTERS = TenantFilterCheck(TEST_DATABASE)
monitoring.register(TENANT_FILTERS)


@pytest.fixture(scope="session")
def mongodb_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedServer(tmp_path_factory.mktemp("secantus"))
    uri = server.start()
    yield uri
    server.stop()


@pytest.fixture(scope="session")
def settings(mongodb_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        MONGODB_URI=mongodb_uri,
        SITEBOOK_DATABASE=TEST_DATABASE,
        SITEBOOK_ENV="test",
        SITEBOOK_DATA_DIR=tmp_path_factory.mktemp("data"),
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(autouse=True)
async def _clean_database(app: Starlette) -> None:
    db = app.state.database.db
    for name in await db.list_collection_names():
        if not name.startswith("system."):
            await db[name].delete_many({})


@pytest.fixture(autouse=True)
def _every_command_names_its_org() -> Iterator[None]:
    TENANT_FILTERS.take()
    yield
    violations = TENANT_FILTERS.take()
    assert not violations, "commands without org_id:\n" + "\n".join(violations)


@contextmanager
def cache_lifetime(seconds: float) -> Iterator[None]:
    """The key and lookup caches kept `seconds` (0: none) within the block."""
    kept = ACTORS.seconds, LOOKUPS.seconds
    ACTORS.seconds = LOOKUPS.seconds = seconds
    try:
        yield
    finally:
        ACTORS.seconds, LOOKUPS.seconds = kept


@pytest.fixture
def command_log() -> CommandLog:
    COMMAND_LOG.commands.clear()
    return COMMAND_LOG


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sitebook.test") as client:
        yield client


@dataclass
class Org:
    """An organization with a key for each role, and a way to call the API as each."""

    slug: str
    http: httpx.AsyncClient
    keys: dict[Role, str] = field(default_factory=dict)

    async def post(self, query: str, variables: dict[str, Any] | None = None,
                   role: Role = Role.OFFICE) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.keys[role]}"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def gql(self, query: str, variables: dict[str, Any] | None = None,
                  role: Role = Role.OFFICE) -> dict[str, Any]:
        """The data of a query that must not fail."""
        body = await self.post(query, variables, role)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def mutate(self, query: str, variables: dict[str, Any] | None = None,
                     role: Role = Role.OFFICE) -> dict[str, Any]:
        """The payload of a single mutation that must succeed (no userErrors)."""
        data = await self.gql(query, variables, role)
        (payload,) = data.values()
        assert payload["userErrors"] == [], payload["userErrors"]
        result: dict[str, Any] = payload
        return result

    async def user_errors(self, query: str, variables: dict[str, Any] | None = None,
                          role: Role = Role.OFFICE) -> list[dict[str, Any]]:
        """The userErrors of a single mutation that must fail."""
        data = await self.gql(query, variables, role)
        (payload,) = data.values()
        errors: list[dict[str, Any]] = payload["userErrors"]
        assert errors, f"expected userErrors, got {payload}"
        return errors


@pytest.fixture
async def make_org(http: httpx.AsyncClient) -> Any:
    async def make(slug: str) -> Org:
        org = await create_org(slug, slug.title())
        keys = {role: await create_api_key(org, role) for role in Role}
        return Org(slug=slug, http=http, keys=keys)

    return make


@pytest.fixture
async def org(make_org: Any) -> Org:
    made: Org = await make_org("acme")
    return made

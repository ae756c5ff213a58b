"""Who a key speaks for is kept a few seconds: a key is looked up once, a key
revoked elsewhere stops working within the cache's lifetime, and one revoked or
an organization's settings changed in this process take effect at once.
"""

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from documents.api_key import ApiKey, Role
from documents.base import utcnow
from resolvers.actor_cache import ACTORS
from tests.conftest import CommandLog, Org, cache_lifetime

QUERY = {"query": "{ settings { customerLabel } }"}


@pytest.fixture
def short_cache() -> Iterator[None]:
    kept = ACTORS.seconds
    ACTORS.seconds = 0.3
    try:
        yield
    finally:
        ACTORS.seconds = kept


@pytest.fixture
def long_caches() -> Iterator[None]:
    """Kept for the whole test, however slow the machine."""
    with cache_lifetime(3600):
        yield


def key_lookups(command_log: CommandLog) -> int:
    return sum(1 for name, command in command_log.commands
               if name == "aggregate" and command.get("aggregate") == "api_keys")


@pytest.mark.usefixtures("long_caches")
async def test_a_key_is_looked_up_once_within_the_cache_lifetime(
        org: Org, command_log: CommandLog) -> None:
    headers = {"Authorization": f"Bearer {org.keys[Role.FIELD]}"}
    command_log.commands.clear()
    for _ in range(3):
        assert (await org.http.post("/graphql", json=QUERY, headers=headers)).status_code == 200
    assert key_lookups(command_log) <= 1
    # An unknown key is never kept: each attempt is looked up (and refused).
    command_log.commands.clear()
    for _ in range(2):
        refused = await org.http.post("/graphql", json=QUERY,
                                      headers={"Authorization": "Bearer sbk_not-a-key"})
        assert refused.status_code == 401
    assert key_lookups(command_log) == 2


@pytest.mark.usefixtures("short_cache")
async def test_a_key_revoked_by_another_process_stops_working_within_the_lifetime(
        org: Org) -> None:
    key = org.keys[Role.OFFICE]
    headers = {"Authorization": f"Bearer {key}"}
    assert (await org.http.post("/graphql", json=QUERY, headers=headers)).status_code == 200
    # As `sitebook apikey revoke` does from its own process: this one is not told.
    await ApiKey.get_pymongo_collection().update_one(
        {"prefix": key[:12]}, {"$set": {"revoked_at": utcnow()}})
    deadline = time.monotonic() + 30
    status = 200
    while status == 200 and time.monotonic() < deadline:
        status = (await org.http.post("/graphql", json=QUERY, headers=headers)).status_code
        await asyncio.sleep(0.05)
    assert status == 401


@pytest.mark.usefixtures("long_caches")
async def test_a_settings_change_is_seen_at_once_by_every_key_of_the_org(org: Org) -> None:
    assert (await org.gql(QUERY["query"], role=Role.FIELD))["settings"]["customerLabel"] == \
        "Customer"
    await org.mutate('mutation { settingsUpdate(input: {customerLabel: "Client"}) '
                     "{ settings { customerLabel } userErrors { code } } }", role=Role.ADMIN)
    assert (await org.gql(QUERY["query"], role=Role.FIELD))["settings"]["customerLabel"] == \
        "Client"


async def test_every_route_answers_401_in_one_shape(http: httpx.AsyncClient) -> None:
    bodies = []
    for method, path in (("POST", "/graphql"), ("GET", "/import-template.xlsx"),
                         ("GET", "/imports/x/errors.csv"), ("GET", "/exports/x/file")):
        response = await http.request(method, path, json=QUERY if method == "POST" else None,
                                      headers={"Authorization": "Bearer sbk_wrong"})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        bodies.append(response.json())
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.usefixtures("long_caches")
async def test_a_renamed_lookup_is_seen_at_once_and_read_once(
        org: Org, command_log: CommandLog) -> None:
    made = await org.mutate('mutation { customerTypeCreate(name: "Strata") '
                            "{ customerType { id } userErrors { code } } }")
    type_id = made["customerType"]["id"]
    await org.mutate('mutation($t: ID!) { customerCreate(input: {name: "Acme", '
                     "customerTypeId: $t}) { customer { id } userErrors { code } } }",
                     {"t": type_id})
    read = "{ customerByName(name: \"Acme\") { customerType { name } } }"
    assert (await org.gql(read))["customerByName"]["customerType"] == {"name": "Strata"}
    command_log.commands.clear()
    assert (await org.gql(read))["customerByName"]["customerType"] == {"name": "Strata"}
    assert not [c for name, c in command_log.commands if c.get(name) == "customer_types"]
    await org.mutate('mutation($t: ID!) { customerTypeRename(id: $t, name: "Body corporate") '
                     "{ customerType { id } userErrors { code } } }", {"t": type_id},
                     role=Role.ADMIN)
    assert (await org.gql(read))["customerByName"]["customerType"] == {
        "name": "Body corporate"}

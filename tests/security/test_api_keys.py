import json
import logging

import httpx
import pytest

from app.asgi import create_app
from app.auth import revoke_api_key
from app.settings import Settings
from documents.api_key import ApiKey, Role
from documents.customer import Customer
from documents.organization import Organization
from tests.conftest import Org

QUERY = {"query": "{ settings { customerLabel } }"}


async def test_requests_without_a_valid_key_get_401(http: httpx.AsyncClient, org: Org) -> None:
    for headers in ({}, {"Authorization": "Bearer sbk_unknown"},
                    {"Authorization": "Basic dXNlcjpwYXNz"},
                    {"Authorization": f"Token {org.keys[Role.ADMIN]}"}):
        response = await http.post("/graphql", json=QUERY, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert "API key" in response.json()["errors"][0]["message"]


async def test_revoked_key_gets_401(http: httpx.AsyncClient, org: Org) -> None:
    key = org.keys[Role.OFFICE]
    headers = {"Authorization": f"Bearer {key}"}
    assert (await http.post("/graphql", json=QUERY, headers=headers)).status_code == 200
    organization = await Organization.find_one({"slug": org.slug})
    assert organization is not None
    assert await revoke_api_key(organization, key[:12])
    assert (await http.post("/graphql", json=QUERY, headers=headers)).status_code == 401
    other = {"Authorization": f"Bearer {org.keys[Role.ADMIN]}"}
    assert (await http.post("/graphql", json=QUERY, headers=other)).status_code == 200


async def test_only_a_hash_of_each_key_is_stored(org: Org) -> None:
    stored = [key.model_dump_json() for key in await ApiKey.find_all().to_list()]
    assert len(stored) == len(Role)
    for key in org.keys.values():
        assert key.startswith("sbk_")
        assert len(key) >= 4 + 43  # 256 random bits, base64url
        assert not any(key in doc for doc in stored)
        assert any(key[:12] in doc for doc in stored)


async def test_health_and_readiness(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


async def test_graphiql_is_off_outside_development(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    response = await http.get("/graphql", params={"query": "{ settings { customerLabel } }"})
    assert response.status_code == 405


async def test_graphiql_is_served_in_development(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"env": "development"}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://dev") as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def test_no_key_appears_in_any_log_line(
        http: httpx.AsyncClient, org: Org, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    revoked = org.keys[Role.FIELD]
    organization = await Organization.find_one({"slug": org.slug})
    assert organization is not None
    await revoke_api_key(organization, revoked[:12])
    wrong = "sbk_" + "x" * 43
    for key in (*org.keys.values(), wrong):
        await http.post("/graphql", json=QUERY, headers={"Authorization": f"Bearer {key}"})
        await http.post("/graphql", json={"query": "{ nope }"},
                        headers={"Authorization": f"Bearer {key}"})
        await http.get("/import-template.xlsx", headers={"Authorization": f"Bearer {key}"})
    await broken_customer(organization)
    await org.post('{ customerByName(name: "broken") { name } }')
    assert caplog.records, "the requests above log something (the masked error at least)"
    logged = "\n".join(caplog.text.splitlines() + [str(r.args) for r in caplog.records])
    for key in (*org.keys.values(), wrong):
        assert key not in logged
        assert key[12:] not in logged  # not even the part after the listed prefix


async def broken_customer(organization: Organization) -> None:
    """A stored customer the service cannot read (its name is a number)."""
    await Customer.get_pymongo_collection().insert_one(
        {"org_id": organization.id, "name": 5, "name_key": "broken", "archived": False})


async def test_unexpected_errors_are_masked_with_an_id_the_log_explains(
        org: Org, caplog: pytest.LogCaptureFixture) -> None:
    organization = await Organization.find_one({"slug": org.slug})
    assert organization is not None
    await broken_customer(organization)
    body = await org.post('{ customerByName(name: "broken") { name } }')
    (error,) = body["errors"]
    error_id = error["extensions"]["errorId"]
    assert error["message"] == f"Unexpected error (id {error_id})."
    assert error["extensions"]["code"] == "INTERNAL"
    assert "Traceback" not in json.dumps(body)
    assert "validation error" not in json.dumps(body).lower()
    (record,) = [r for r in caplog.records if error_id in r.getMessage()]
    assert record.exc_info is not None
    assert "validation error" in caplog.text.lower()

import httpx

from app.asgi import create_app
from app.auth import revoke_api_key
from app.settings import Settings
from documents.api_key import ApiKey, Role
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

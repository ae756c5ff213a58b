"""GraphQL over HTTP: application/graphql-response+json when asked for, with the
spec's status codes; media types in any case; gzip for responses over 1 KB; and
CORS for the browser origins SITEBOOK_CORS_ORIGINS names.
"""

from collections.abc import AsyncIterator

import httpx
import pytest

from app.asgi import create_app
from app.settings import Settings
from documents.api_key import Role
from tests.conftest import Org
from tests.queries import CUSTOMER_CREATE

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def test_graphql_response_json_is_answered_with_the_specs_status_codes(org: Org) -> None:
    headers = {"Authorization": f"Bearer {org.keys[Role.OFFICE]}",
               "Accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"}
    ok = await org.http.post("/graphql", json={"query": "{ settings { customerLabel } }"},
                             headers=headers)
    assert ok.status_code == 200
    assert ok.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert ok.json() == {"data": {"settings": {"customerLabel": "Customer"}}}
    # Not executed (unknown field, limits, syntax): 400, same body.
    for query in ("{ nope }", "{ customers(first: 101) { totalCount } }", "{"):
        refused = await org.http.post("/graphql", json={"query": query}, headers=headers)
        assert refused.status_code == 400, query
        assert refused.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert refused.json()["data"] is None
    # Executed, with an error in a field: 200, as the spec says.
    partial = await org.http.post(
        "/graphql", json={"query": '{ customers(after: "bad") { totalCount } }'},
        headers=headers)
    assert partial.status_code == 200
    assert partial.json()["errors"][0]["path"] == ["customers"]
    # application/json clients keep 200 for a document that does not validate.
    legacy = await org.http.post("/graphql", json={"query": "{ nope }"},
                                 headers={"Authorization": headers["Authorization"]})
    assert legacy.status_code == 200
    assert legacy.headers["content-type"] == "application/json"


async def test_media_types_match_in_any_case(org: Org) -> None:
    response = await org.http.post(
        "/graphql", content=b'{"query": "{ settings { customerLabel } }"}',
        headers={"Authorization": f"Bearer {org.keys[Role.OFFICE]}",
                 "Content-Type": "Application/JSON; charset=UTF-8"})
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"settings": {"customerLabel": "Customer"}}}


async def test_responses_over_1_kb_are_gzipped_when_accepted(org: Org) -> None:
    for n in range(20):
        await org.mutate(CUSTOMER_CREATE, {"input": {"name": f"Customer number {n:03}"}})
    query = {"query": "{ customers { edges { cursor node { id name } } } }"}
    headers = {"Authorization": f"Bearer {org.keys[Role.OFFICE]}"}
    big = await org.http.post("/graphql", json=query,
                              headers={**headers, "Accept-Encoding": "gzip"})
    assert big.headers["content-encoding"] == "gzip"
    assert len(big.json()["data"]["customers"]["edges"]) == 20  # httpx inflates it
    raw = await org.http.post("/graphql", json=query, headers={**headers,
                                                               "Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert len(raw.content) > 1024
    small = await org.http.post("/graphql", json={"query": "{ settings { customerLabel } }"},
                                headers={**headers, "Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    assert big.content == raw.content  # inflated, the same body


APP_ORIGIN = "https://app.example.com"


@pytest.fixture
async def cors_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"cors_origins": f"{APP_ORIGIN}, "
                                                                 "http://localhost:5173"}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://api.example.com") as client:
        yield client


async def test_cors_preflight_is_answered_without_a_key_for_named_origins(
        cors_client: httpx.AsyncClient, org: Org) -> None:
    preflight = await cors_client.options("/graphql", headers={
        "Origin": APP_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, "
                                          "graphql-require-preflight"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == APP_ORIGIN
    allowed = preflight.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "graphql-require-preflight"):
        assert header in allowed
    answer = await cors_client.post("/graphql", json={"query": "{ settings { customerLabel } }"},
                                    headers={"Origin": APP_ORIGIN,
                                             "Authorization": f"Bearer {org.keys[Role.FIELD]}"})
    assert answer.headers["access-control-allow-origin"] == APP_ORIGIN
    assert answer.json() == {"data": {"settings": {"customerLabel": "Customer"}}}
    # Another origin gets no grant, and the default (no origins) grants none.
    other = await cors_client.options("/graphql", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in other.headers
    closed = await org.http.options("/graphql", headers={
        "Origin": APP_ORIGIN, "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in closed.headers

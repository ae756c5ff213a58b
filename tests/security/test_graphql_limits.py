"""Limits on what one GraphQL request may ask, refused before anything runs:
the command listener sees no database command at all, not even the key check.
Suggestions, introspection and GraphiQL give nothing away in production, and
form posts need a preflight header (CSRF).
"""

import json
from typing import Any

import httpx

from app.asgi import create_app
from app.settings import Settings
from documents.api_key import Role
from tests.conftest import CommandLog, Org
from tests.queries import CUSTOMER_CREATE, SITE_CREATE


def nested(depth: int) -> str:
    """A query of this depth: customers > edges > node > sites > customer > ...
    Depth counts as Strawberry's limiter (and graphql-depth-limit) count it:
    top-level fields are at depth 0, so depth 10 is 11 fields deep.
    """
    inner = "name"
    hops = ["sites", "customer"]
    chain: list[str] = []
    while 3 + len(chain) < depth:  # customers { edges { node { ... } } } is depth 2
        chain.append(hops[len(chain) % 2])
    for field in reversed(chain):
        inner = f"{field} {{ {inner} }}"
    return f"{{ customers {{ edges {{ node {{ {inner} }} }} }} }}"


async def refused(org: Org, command_log: CommandLog, query: str,
                  variables: dict[str, Any] | None = None) -> str:
    """The message of a request refused with no database command."""
    command_log.commands.clear()
    body = await org.post(query, variables)
    assert body["data"] is None, body
    assert command_log.commands == []
    message: str = body["errors"][0]["message"]
    return message


async def a_customer_with_a_site(org: Org) -> None:
    customer = (await org.mutate(CUSTOMER_CREATE, {"input": {"name": "Deep"}}))["customer"]
    await org.mutate(SITE_CREATE, {"customerId": customer["id"], "input": {"name": "Down"}})


async def test_depth_over_ten_is_refused_before_anything_runs(
        org: Org, command_log: CommandLog) -> None:
    await a_customer_with_a_site(org)
    data = await org.gql(nested(10))
    innermost = data["customers"]["edges"][0]["node"]
    while "name" not in innermost:
        (value,) = innermost.values()
        innermost = value[0] if isinstance(value, list) else value
    assert innermost["name"] in ("Deep", "Down")
    message = await refused(org, command_log, nested(11))
    assert "exceeds maximum operation depth of 10" in message
    # A fragment does not hide depth.
    fragment = nested(11).replace("{ customers", "{ ...F } fragment F on Query { customers", 1)
    assert "maximum operation depth" in await refused(org, command_log, "query " + fragment)


async def test_more_than_fifteen_aliases_are_refused(org: Org, command_log: CommandLog) -> None:
    fifteen = " ".join(f"a{n}: settings {{ customerLabel }}" for n in range(15))
    data = await org.gql(f"{{ {fifteen} }}")
    assert len(data) == 15
    sixteen = fifteen + " a15: settings { customerLabel }"
    message = await refused(org, command_log, f"{{ {sixteen} }}")
    assert "15" in message
    assert "alias" in message.lower()


async def test_more_than_2000_tokens_are_refused(org: Org, command_log: CommandLog) -> None:
    fields = " ".join(["customerLabel"] * 1_000)
    await org.gql(f"{{ settings {{ {' '.join(['customerLabel'] * 100)} }} }}")
    message = await refused(org, command_log, f"{{ settings {{ {fields} {fields} }} }}")
    assert "more than 2000 tokens" in message
    # Few tokens, but a text too long to read (or to keep in a cache of documents).
    padded = "# " + "x" * 100_000 + "\n{ settings { customerLabel } }"
    message = await refused(org, command_log, padded)
    assert message == f"The query is {len(padded):,} characters long; at most 100,000 are read."


async def test_pages_over_100_are_refused_literal_or_variable(
        org: Org, command_log: CommandLog) -> None:
    message = await refused(org, command_log, "{ customers(first: 101) { totalCount } }")
    assert message == "first must be between 0 and 100."
    query = "query($n: Int) { sites(first: $n) { totalCount } }"
    assert await refused(org, command_log, query, {"n": 1000}) == message
    assert (await org.gql(query, {"n": 100}))["sites"]["totalCount"] == 0


async def test_multipart_requests_are_held_to_the_same_limits(org: Org) -> None:
    operations = {"query": nested(11), "variables": {"file": None}}
    response = await org.http.post(
        "/graphql", files=ONE_FILE,
        data={"operations": json.dumps(operations), "map": ONE_FILE_MAP},
        headers={"Authorization": f"Bearer {org.keys[Role.OFFICE]}",
                 "GraphQL-Require-Preflight": "1"})
    body = response.json()
    assert body["data"] is None
    assert "exceeds maximum operation depth of 10" in body["errors"][0]["message"]


async def test_field_suggestions_are_off(org: Org) -> None:
    body = await org.post("{ customerz { id } }")
    message = body["errors"][0]["message"]
    assert message == "Cannot query field 'customerz' on type 'Query'."
    assert "Did you mean" not in json.dumps(body)


# The file goes to a variable the operation does not declare, which GraphQL ignores.
ONE_FILE = {"0": ("x.csv", b"a", "text/csv")}
ONE_FILE_MAP = '{"0": ["variables.file"]}'
CSRF_FORMS = {
    "multipart": {"files": ONE_FILE,
                  "data": {"operations": '{"query": "{ settings { customerLabel } }", '
                                         '"variables": {"file": null}}',
                           "map": ONE_FILE_MAP}},
    "urlencoded": {"data": {"query": "{ settings { customerLabel } }"}},
    "text/plain": {"content": b'{"query": "{ settings { customerLabel } }"}',
                   "headers": {"Content-Type": "text/plain"}},
}


async def test_form_posts_without_a_preflight_header_are_refused(
        org: Org, command_log: CommandLog) -> None:
    key = {"Authorization": f"Bearer {org.keys[Role.OFFICE]}"}
    for form in CSRF_FORMS.values():
        command_log.commands.clear()
        headers = {**key, **form.get("headers", {})}
        fields = {name: value for name, value in form.items() if name != "headers"}
        response = await org.http.post("/graphql", headers=headers, **fields)
        assert response.status_code == 400
        assert "GraphQL-Require-Preflight" in response.json()["errors"][0]["message"]
        assert "CSRF" in response.json()["errors"][0]["message"]
        assert command_log.commands == []
    for header in ("GraphQL-Require-Preflight", "Apollo-Require-Preflight"):
        form = CSRF_FORMS["multipart"]
        response = await org.http.post("/graphql", headers={**key, header: "1"},
                                       files=form["files"], data=form["data"])
        assert response.status_code == 200
        assert response.json() == {"data": {"settings": {"customerLabel": "Customer"}}}


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_introspection_and_graphiql_are_off_in_production(
        settings: Settings, org: Org) -> None:
    assert (await org.gql(INTROSPECTION)) == {"__schema": {"queryType": {"name": "Query"}}}
    production = create_app(settings.model_copy(update={"env": "production"}))
    transport = httpx.ASGITransport(app=production)
    async with httpx.AsyncClient(transport=transport, base_url="http://prod") as client:
        headers = {"Authorization": f"Bearer {org.keys[Role.OFFICE]}"}
        body = (await client.post("/graphql", json={"query": INTROSPECTION},
                                  headers=headers)).json()
        assert body["data"] is None
        assert "introspection has been disabled" in body["errors"][0]["message"].lower()
        typename = (await client.post("/graphql", json={"query": "{ __typename }"},
                                      headers=headers)).json()
        assert typename == {"data": {"__typename": "Query"}}
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 405
        assert "graphiql" not in page.text.lower()

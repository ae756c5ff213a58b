"""Work before authentication is linear in the request's size, and every
operation's cost is known (and bounded) before it runs; reads are bounded in
database time, and a search word has at least 2 characters.
"""

import json
from typing import Any

import httpx
from graphql import parse

from app.asgi import create_app
from app.settings import Settings
from documents.api_key import Role
from schema import build_schema
from schema.cost import MAX_COST, SEARCH_COST, TOTAL_COUNT_COST, analyse
from tests.conftest import CommandLog, Org
from tests.queries import CUSTOMER_CREATE


def diamond(levels: int, leaf: str = "settings { customerLabel }") -> str:
    """Each fragment spreads the next one twice: 2^levels fields once spread."""
    fragments = [f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(levels)]
    fragments.append(f"fragment F{levels} on Query {{ {leaf} }}")
    return "query { ...F0 } " + " ".join(fragments)


SCHEMA = build_schema()._schema


def test_each_fragment_of_a_diamond_is_visited_once() -> None:
    for levels in (10, 30):
        analysis = analyse(SCHEMA, parse(diamond(levels)), {})
        # One visit per selection written: the operation's spread, two spreads
        # per fragment, the leaf's two fields. A walk that followed every
        # spread would make 2^levels visits.
        assert analysis.visits == 1 + 2 * levels + 2
        assert analysis.cost == 2**levels
        refused = any("once its fragments are spread" in e.message for e in analysis.errors)
        assert refused == (2 * 2**levels > 5_000)


async def test_a_deep_diamond_without_a_key_is_refused_with_no_command(
        http: httpx.AsyncClient, command_log: CommandLog) -> None:
    # Before the walk was memoized, 19 levels took 5 s and each level doubled it:
    # 40 levels would not be answered in this run at all.
    for leaf in ("settings { customerLabel }", "__typename"):
        response = await http.post("/graphql", json={"query": diamond(40, leaf)})
        body = response.json()
        assert body["data"] is None
        assert "fields once its fragments are spread; at most 5,000" in json.dumps(body)
        assert command_log.commands == []


async def test_connections_multiply_by_their_page_and_over_budget_is_refused(
        org: Org, command_log: CommandLog) -> None:
    nested = ("{ customers(first: 100) { edges { node { name productLines(first: 100) "
              "{ edges { node { quantity } } } } } } }")
    # customers 1 + edges (1 + 100 x (node 1 + productLines (1 + edges (1 + 100 x node 1))))
    expected = 1 + 1 + 100 * (1 + 1 + 1 + 100 * 1)
    command_log.commands.clear()
    body = await org.post(nested)
    assert body["data"] is None
    assert command_log.commands == []
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["extensions"]["cost"] == {"requestedQueryCost": expected,
                                           "maximumAvailable": MAX_COST}
    assert body["extensions"]["cost"]["requestedQueryCost"] == expected
    assert f"would cost {expected:,}; at most {MAX_COST:,}" in error["message"]
    # A page size given as a variable counts the same.
    query = "query($n: Int) { customers(first: $n) { edges { node { name productLines(first: $n)" \
            " { edges { node { quantity } } } } } } }"
    body = await org.post(query, {"n": 100})
    assert body["errors"][0]["extensions"]["cost"]["requestedQueryCost"] == expected
    # Smaller pages are within the budget and run.
    assert (await org.gql(query, {"n": 10}))["customers"]["edges"] == []


def test_search_and_total_count_cost_more() -> None:
    query = ('{ customers(first: 10, filter: {search: "ab"}) '
             '{ totalCount edges { node { name } } } }')
    # customers 1 + search + totalCount + edges (1 + 10 x node 1)
    expected = 1 + SEARCH_COST + TOTAL_COUNT_COST + 1 + 10
    assert analyse(SCHEMA, parse(query), {}).cost == expected
    plain = "{ customers(first: 10) { edges { node { name } } } }"
    assert analyse(SCHEMA, parse(plain), {}).cost == 1 + 1 + 10
    # Without `first`, the default page of 50.
    assert analyse(SCHEMA, parse("{ customers { edges { node { name } } } }"), {}).cost == 52


async def test_a_search_needs_two_letters_or_digits(org: Org) -> None:
    await org.mutate(CUSTOMER_CREATE, {"input": {"name": "Ab Plumbing"}})
    for field in ("customers", "sites", "products"):
        for text in ("a", " 7. ", "é"):
            body = await org.post(f"query($s: String) {{ {field}(filter: {{search: $s}}) "
                                  "{ totalCount } }", {"s": text})
            error = body["errors"][0]
            assert error["message"] == "A search needs at least 2 letters or digits."
            assert error["extensions"]["code"] == "INVALID"
    data = await org.gql('{ customers(filter: {search: "ab p"}) { edges { node { name } } } }')
    assert data["customers"]["edges"] == [{"node": {"name": "Ab Plumbing"}}]


async def test_a_read_over_its_time_is_stopped_with_a_clear_error(
        settings: Settings, org: Org) -> None:
    await org.mutate(CUSTOMER_CREATE, {"input": {"name": "Slow Reads"}})
    # A bound no read can meet: the first command finds its time already spent.
    hurried = create_app(settings.model_copy(update={"read_timeout_seconds": 1e-9}))
    transport = httpx.ASGITransport(app=hurried)
    async with httpx.AsyncClient(transport=transport, base_url="http://hurried") as client:
        response = await client.post(
            "/graphql", json={"query": "{ customers { totalCount edges { node { name } } } }"},
            headers={"Authorization": f"Bearer {org.keys[Role.OFFICE]}"})
    body = response.json()
    assert body["data"] is None
    codes = {error["extensions"]["code"] for error in body["errors"]}
    assert codes == {"TIMEOUT"}
    assert "took longer than the service allows" in body["errors"][0]["message"]
    # The service's own bound (10 s) leaves the same read alone.
    data = await org.gql("{ customers { totalCount } }")
    assert data["customers"]["totalCount"] == 1


def _cursor(value: Any) -> str:
    import base64
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


CRAFTED = [_cursor([{"$gt": ""}]), _cursor(["a", "b", "c"]), _cursor([1.5]), _cursor([None]),
           _cursor([True]), _cursor("x"), _cursor([[1] * 3]), _cursor(["zz"] * 1), "%%%",
           _cursor([[[[[]]]]]), "x" * 5_000]
LISTS = ["customers", "sites", "products", "productLines", "importJobs"]


async def test_crafted_cursors_are_the_clients_error(org: Org) -> None:
    for cursor in CRAFTED:
        for field in LISTS:
            body = await org.post(f"query($c: String) {{ {field}(after: $c) {{ totalCount }} }}",
                                  {"c": cursor}, role=Role.ADMIN)
            if "errors" not in body:
                continue  # a well-shaped key of this list: a page after it
            (error,) = body["errors"]
            assert error["extensions"]["code"] == "INVALID", (field, cursor, error)
            assert error["message"].startswith("after is not a valid cursor"), error

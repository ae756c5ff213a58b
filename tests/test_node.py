"""node(id) and nodes(ids) resolve every type that implements Node; another
organization's ids answer null, like missing ones.
"""

from typing import Any

from graphql import GraphQLInterfaceType

from documents.api_key import Role
from schema import build_schema
from tests.conftest import Org
from tests.imports import csv_bytes, run_import

NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


async def one_of_each(org: Org) -> dict[str, str]:
    """The id of one object of every Node type, by type name."""
    ids: dict[str, str] = {}
    customer = (await org.mutate('mutation { customerCreate(input: {name: "ABC"}) '
                                 "{ customer { id } userErrors { code } } }"))["customer"]
    ids["Customer"] = customer["id"]
    for name, mutation, result in [
        ("Site", 'siteCreate(customerId: $c, input: {name: "Plant"})', "site"),
        ("Contact", 'contactCreate(customerId: $c, input: {firstName: "Ann"})', "contact"),
        ("Equipment", 'equipmentCreate(customerId: $c, input: {name: "Boiler"})', "equipment"),
    ]:
        made = await org.mutate(f"mutation($c: ID!) {{ {mutation} {{ {result} {{ id }} "
                                "userErrors { code } } }", {"c": customer["id"]})
        ids[name] = made[result]["id"]
    for name, mutation, result in [
        ("CustomerType", 'customerTypeCreate(name: "Strata")', "customerType"),
        ("LeadSource", 'leadSourceCreate(name: "Web")', "leadSource"),
        ("PaymentTerm", 'paymentTermCreate(input: {name: "Net 30", dueDays: 30})',
         "paymentTerm"),
        ("PriceLevel", 'priceLevelCreate(input: {name: "Trade"})', "priceLevel"),
        ("User", 'userCreate(input: {name: "Sam"})', "user"),
        ("Product", 'productCreate(input: {importId: "SUB", name: "Suite", unitPrice: "10"})',
         "product"),
        ("SavedMapping", 'mappingSave(input: {name: "Ours", entity: CUSTOMERS, '
         'mapping: [{header: "Name", field: "name"}]})', "mapping"),
    ]:
        made = await org.mutate(f"mutation {{ {mutation} {{ {result} {{ id }} "
                                "userErrors { code } } }", role=Role.ADMIN)
        ids[name] = made[result]["id"]
    job = await run_import(org, csv_bytes([["ID", "Customer", "Product", "Quantity"],
                                           ["L1", "ABC", "SUB", "1"]]),
                           "lines.csv", entity="PRODUCT_LINES")
    assert job["totals"]["created"] == 1, job
    ids["ImportJob"] = job["id"]
    lines = await org.gql("{ productLines { edges { node { id } } } }")
    ids["ProductLine"] = lines["productLines"]["edges"][0]["node"]["id"]
    return ids


def node_types() -> set[str]:
    schema = build_schema()._schema
    node = schema.type_map["Node"]
    assert isinstance(node, GraphQLInterfaceType)
    return {t.name for t in schema.get_possible_types(node)}


async def test_node_and_nodes_resolve_every_node_type(org: Org, make_org: Any) -> None:
    ids = await one_of_each(org)
    assert set(ids) == node_types(), "a Node type this test does not create"
    for name, global_id in ids.items():
        found = (await org.gql("query($id: ID!) { node(id: $id) { __typename id } }",
                               {"id": global_id}, role=Role.ADMIN))["node"]
        assert found == {"__typename": name, "id": global_id}
    given = [*ids.values(), "bm9wZQ"]
    found = (await org.gql(NODES, {"ids": given}, role=Role.ADMIN))["nodes"]
    assert found == [*({"__typename": n, "id": i} for n, i in ids.items()), None]
    # Each type keeps its role's rules: a field key may not read import jobs.
    refused = await org.post(NODES, {"ids": [ids["Customer"], ids["ImportJob"]]},
                             role=Role.FIELD)
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other = await make_org("other")
    theirs = (await other.gql(NODES, {"ids": list(ids.values())}, role=Role.ADMIN))["nodes"]
    assert theirs == [None] * len(ids)


async def test_nodes_takes_at_most_100_ids(org: Org) -> None:
    body = await org.post(NODES, {"ids": ["bm9wZQ"] * 101})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
    assert "At most 100 ids" in body["errors"][0]["message"]

"""Org B can never read, change or even detect org A's data: asking for it
looks exactly like asking for something that does not exist.
"""

import base64
from typing import Any

import pytest
from bson import ObjectId

from documents.api_key import Role
from tests.conftest import Org
from tests.queries import CUSTOMER, CUSTOMER_CREATE, SITE_CREATE


def missing_id(type_name: str) -> str:
    raw = f"{type_name}:{ObjectId()}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.fixture
async def victim(org: Org) -> dict[str, str]:
    """Org A's customer with a site, a contact, equipment and a customer type."""
    kind = await org.mutate('mutation { customerTypeCreate(name: "Secret") '
                            "{ customerType { id } userErrors { code } } }")
    customer = (await org.mutate(CUSTOMER_CREATE, {"input": {
        "name": "Secret Customer", "customerTypeId": kind["customerType"]["id"]}}))["customer"]
    site = (await org.mutate(SITE_CREATE, {"customerId": customer["id"],
                                           "input": {"name": "Secret Site"}}))["site"]
    contact = await org.mutate(
        'mutation($c: ID!) { contactCreate(customerId: $c, input: {firstName: "Sec"}) '
        "{ contact { id } userErrors { code } } }", {"c": customer["id"]})
    item = await org.mutate(
        'mutation($c: ID!) { equipmentCreate(customerId: $c, input: {name: "Safe"}) '
        "{ equipment { id } userErrors { code } } }", {"c": customer["id"]})
    return {"Customer": customer["id"], "Site": site["id"],
            "Contact": contact["contact"]["id"], "Equipment": item["equipment"]["id"],
            "CustomerType": kind["customerType"]["id"]}


MUTATIONS = {
    "Customer": [
        ('mutation($id: ID!) { customerUpdate(id: $id, input: {name: "Pwned"}) '
         "{ customer { id } userErrors { code message field } } }"),
        ("mutation($id: ID!) { customerArchive(id: $id) "
         "{ customer { id } userErrors { code message field } } }"),
        ('mutation($id: ID!) { siteCreate(customerId: $id, input: {name: "X"}) '
         "{ site { id } userErrors { code message field } } }"),
        ('mutation($id: ID!) { contactCreate(customerId: $id, input: {firstName: "X"}) '
         "{ contact { id } userErrors { code message field } } }"),
        ('mutation($id: ID!) { equipmentCreate(customerId: $id, input: {name: "X"}) '
         "{ equipment { id } userErrors { code message field } } }"),
        ("mutation($id: ID!) { billingCustomerClear(customerId: $id) "
         "{ customer { id } userErrors { code message field } } }"),
    ],
    "Site": [
        ('mutation($id: ID!) { siteUpdate(id: $id, input: {name: "X"}) '
         "{ site { id } userErrors { code message field } } }"),
        ("mutation($id: ID!) { siteDelete(id: $id) "
         "{ deletedId userErrors { code message field } } }"),
    ],
    "Contact": [
        ('mutation($id: ID!) { contactUpdate(id: $id, input: {role: "X"}) '
         "{ contact { id } userErrors { code message field } } }"),
        ("mutation($id: ID!) { contactDelete(id: $id) "
         "{ deletedId userErrors { code message field } } }"),
    ],
    "Equipment": [
        ('mutation($id: ID!) { equipmentUpdate(id: $id, input: {name: "X"}) '
         "{ equipment { id } userErrors { code message field } } }"),
        ("mutation($id: ID!) { equipmentDelete(id: $id) "
         "{ deletedId userErrors { code message field } } }"),
    ],
}


async def test_reads_of_another_orgs_ids_look_missing(
    victim: dict[str, str], make_org: Any
) -> None:
    intruder: Org = await make_org("intruder")
    for type_name, their_id in victim.items():
        for role in (Role.ADMIN, Role.OFFICE, Role.FIELD):
            theirs = await intruder.post("query($id: ID!) { node(id: $id) { id } }",
                                         {"id": their_id}, role=role)
            nothing = await intruder.post("query($id: ID!) { node(id: $id) { id } }",
                                          {"id": missing_id(type_name)}, role=role)
            assert theirs == nothing == {"data": {"node": None}}
    assert (await intruder.gql(CUSTOMER, {"id": victim["Customer"]}))["customer"] is None
    data = await intruder.gql(
        '{ customerByName(name: "Secret Customer") { id } customers { totalCount } '
        'sites { totalCount } s: sites(filter: {search: "secret"}) { totalCount } '
        "customerTypes { id } }"
    )
    assert data == {"customerByName": None, "customers": {"totalCount": 0},
                    "sites": {"totalCount": 0}, "s": {"totalCount": 0}, "customerTypes": []}
    filtered = await intruder.gql(
        "query($t: ID!, $c: ID!) { customers(filter: {customerTypeId: $t}) { totalCount } "
        "sites(filter: {customerId: $c}) { totalCount } }",
        {"t": victim["CustomerType"], "c": victim["Customer"]},
    )
    assert filtered == {"customers": {"totalCount": 0}, "sites": {"totalCount": 0}}


async def test_writes_to_another_orgs_ids_look_missing_and_change_nothing(
    org: Org, victim: dict[str, str], make_org: Any
) -> None:
    before = await org.gql(CUSTOMER, {"id": victim["Customer"]})
    intruder: Org = await make_org("intruder")
    for type_name, mutations in MUTATIONS.items():
        for mutation in mutations:
            theirs = await intruder.gql(mutation, {"id": victim[type_name]})
            nothing = await intruder.gql(mutation, {"id": missing_id(type_name)})
            assert theirs == nothing
            (payload,) = theirs.values()
            assert payload["userErrors"][0]["code"] == "NOT_FOUND"
    assign = (
        "mutation($a: ID!, $b: ID!) { billingCustomerAssign(customerId: $a, "
        "input: {billingCustomerId: $b}) { customer { id } userErrors { code message field } } }"
    )
    mine = (await intruder.mutate(CUSTOMER_CREATE, {"input": {"name": "Mine"}}))["customer"]["id"]
    theirs = await intruder.gql(assign, {"a": mine, "b": victim["Customer"]})
    nothing = await intruder.gql(assign, {"a": mine, "b": missing_id("Customer")})
    assert theirs == nothing
    assert theirs["billingCustomerAssign"]["userErrors"][0]["code"] == "NOT_FOUND"
    # Reusing the victim's customer name is fine: names are unique per org only.
    created = await intruder.mutate(CUSTOMER_CREATE, {"input": {"name": "Secret Customer"}})
    assert created["customer"]["name"] == "Secret Customer"
    errors = await intruder.user_errors(CUSTOMER_CREATE, {"input": {
        "name": "Another", "customerTypeId": victim["CustomerType"]}})
    assert errors[0]["code"] == "UNKNOWN_CUSTOMER_TYPE"
    after = await org.gql(CUSTOMER, {"id": victim["Customer"]})
    assert after == before

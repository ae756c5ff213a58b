from typing import Any

from tests.conftest import Org
from tests.queries import CUSTOMER, CUSTOMER_CREATE

ASSIGN = """mutation($customerId: ID!, $input: BillingInput!) {
  billingCustomerAssign(customerId: $customerId, input: $input) {
    customer { id billing { billingCustomer { id name } careOfName accountNumber
                            invoicingOptions } }
    userErrors { code message field }
  }
}"""
CLEAR = """mutation($customerId: ID!) {
  billingCustomerClear(customerId: $customerId) { customer { billing { careOfName } }
                                                  userErrors { code } }
}"""


async def create(org: Org, name: str, **fields: Any) -> str:
    payload = await org.mutate(CUSTOMER_CREATE, {"input": {"name": name, **fields}})
    customer_id: str = payload["customer"]["id"]
    return customer_id


async def test_tenant_billed_to_property_manager(org: Org) -> None:
    manager = await create(org, "Property Manager Co")
    tenant = await create(org, "Tenant")
    payload = await org.mutate(ASSIGN, {"customerId": tenant, "input": {
        "billingCustomerId": manager, "careOfName": "Attn: Accounts", "accountNumber": "AC-42",
        "invoicingOptions": ["SEND_TO_BILLING_CUSTOMER", "SHOW_SITE_ADDRESS"],
    }})
    assert payload["customer"]["billing"] == {
        "billingCustomer": {"id": manager, "name": "Property Manager Co"},
        "careOfName": "Attn: Accounts",
        "accountNumber": "AC-42",
        "invoicingOptions": ["SEND_TO_BILLING_CUSTOMER", "SHOW_SITE_ADDRESS"],
    }
    billed = await org.gql(
        "query($id: ID!) { customers(filter: {billingCustomerId: $id}) "
        "{ edges { node { name } } } }", {"id": manager}
    )
    assert [e["node"]["name"] for e in billed["customers"]["edges"]] == ["Tenant"]
    cleared = await org.mutate(CLEAR, {"customerId": tenant})
    assert cleared["customer"]["billing"] is None
    stored = await org.gql(CUSTOMER, {"id": tenant})
    assert stored["customer"]["billing"] is None


async def test_billing_customer_given_at_creation(org: Org) -> None:
    manager = await create(org, "Manager")
    payload = await org.mutate(CUSTOMER_CREATE, {"input": {
        "name": "Tenant", "billing": {"billingCustomerId": manager, "careOfName": "c/o M"}}})
    assert payload["customer"]["billing"]["billingCustomer"]["name"] == "Manager"


async def test_billing_customer_must_exist_not_self_no_cycle(org: Org) -> None:
    a = await create(org, "A")
    b = await create(org, "B")
    c = await create(org, "C")
    errors = await org.user_errors(ASSIGN, {"customerId": a, "input": {"billingCustomerId": a}})
    assert errors[0]["code"] == "BILLING_CUSTOMER_SELF"
    errors = await org.user_errors(
        ASSIGN, {"customerId": a, "input": {"billingCustomerId": "bogus"}}
    )
    assert errors[0]["code"] == "NOT_FOUND"
    assert errors[0]["field"] == ["input", "billingCustomerId"]
    await org.mutate(ASSIGN, {"customerId": a, "input": {"billingCustomerId": b}})
    await org.mutate(ASSIGN, {"customerId": b, "input": {"billingCustomerId": c}})
    errors = await org.user_errors(ASSIGN, {"customerId": c, "input": {"billingCustomerId": a}})
    assert errors[0]["code"] == "BILLING_CUSTOMER_CYCLE"
    errors = await org.user_errors(ASSIGN, {"customerId": b, "input": {"billingCustomerId": a}})
    assert errors[0]["code"] == "BILLING_CUSTOMER_CYCLE"
    stored = await org.gql(CUSTOMER, {"id": c})
    assert stored["customer"]["billing"] is None


async def test_billing_customer_of_another_org_is_not_found(org: Org, make_org: Any) -> None:
    other = await make_org("other")
    theirs = await create(other, "Their Manager")
    mine = await create(org, "Mine")
    errors = await org.user_errors(
        ASSIGN, {"customerId": mine, "input": {"billingCustomerId": theirs}}
    )
    assert errors == [{"code": "NOT_FOUND", "message": "Billing customer not found.",
                       "field": ["input", "billingCustomerId"]}]


async def test_racing_assignments_never_leave_a_cycle(org: Org) -> None:
    import asyncio

    links = 0
    for round_ in range(10):
        a = await create(org, f"Race A{round_}")
        b = await create(org, f"Race B{round_}")
        await asyncio.gather(
            org.gql(ASSIGN, {"customerId": a, "input": {"billingCustomerId": b}}),
            org.gql(ASSIGN, {"customerId": b, "input": {"billingCustomerId": a}}))
        found = await org.gql("query($a: ID!, $b: ID!) { a: node(id: $a) { ... on Customer { "
                              "billing { billingCustomer { id } } } } b: node(id: $b) { ... on "
                              "Customer { billing { billingCustomer { id } } } } }",
                              {"a": a, "b": b})
        a_to_b = (found["a"]["billing"] or {}).get("billingCustomer") == {"id": b}
        b_to_a = (found["b"]["billing"] or {}).get("billingCustomer") == {"id": a}
        assert not (a_to_b and b_to_a), f"round {round_} left a cycle"
        links += a_to_b + b_to_a
    assert links >= 1  # the races did link customers, one way

import asyncio
from typing import Any

from tests.conftest import Org
from tests.queries import CUSTOMER_CREATE, SITE_CREATE

PAGE = """query($first: Int, $after: String, $filter: CustomerFilter) {
  customers(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id name } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}"""


async def create(org: Org, **fields: Any) -> dict[str, Any]:
    customer: dict[str, Any] = (await org.mutate(CUSTOMER_CREATE, {"input": fields}))["customer"]
    return customer


async def names(org: Org, **filter_fields: Any) -> list[str]:
    data = await org.gql(PAGE, {"first": 100, "filter": filter_fields})
    return [edge["node"]["name"] for edge in data["customers"]["edges"]]


async def test_paginates_230_customers_to_the_end(org: Org) -> None:
    expected = [f"Customer {n:03d}" for n in range(230)]
    for start in range(0, 230, 23):
        await asyncio.gather(*(create(org, name=name) for name in expected[start:start + 23]))
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = (await org.gql(PAGE, {"first": 100, "after": after}))["customers"]
        assert data["totalCount"] == 230
        seen.extend(edge["node"]["name"] for edge in data["edges"])
        pages += 1
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
        assert after == data["edges"][-1]["cursor"]
    assert pages == 3
    assert seen == expected
    default_page = (await org.gql(PAGE))["customers"]
    assert len(default_page["edges"]) == 50


async def test_page_size_limits_and_bad_cursor(org: Org) -> None:
    body = await org.post(PAGE, {"first": 101})
    assert body["errors"][0]["message"] == "first must be between 0 and 100."
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
    body = await org.post(PAGE, {"after": "!!not a cursor"})
    assert body["errors"][0]["extensions"]["code"] == "INVALID"


async def test_search_every_word_prefixes_name_email_phone_or_site(org: Org) -> None:
    abc = await create(org, name="Customer ABC", email="accounts@abc-holdings.com",
                       phone="0412 345 678")
    await org.mutate(SITE_CREATE, {"customerId": abc["id"], "input": {
        "name": "Warehouse", "address": {"line1": "12 Quay Street", "suburb": "Mérida",
                                         "postcode": "4000"}}})
    await create(org, name="Café Zoë", siteAddress={"suburb": "Newtown"})
    await create(org, name="Other Customer")
    assert await names(org, search="cust abc") == ["Customer ABC"]
    assert await names(org, search="CUSTOMER") == ["Customer ABC", "Other Customer"]
    assert await names(org, search="holdings") == ["Customer ABC"]
    assert await names(org, search="0412 345") == ["Customer ABC"]
    assert await names(org, search="0412345") == ["Customer ABC"]
    assert await names(org, search="quay merida") == ["Customer ABC"]
    assert await names(org, search="4000 ware") == ["Customer ABC"]
    assert await names(org, search="cafe zoe newtown") == ["Café Zoë"]
    assert await names(org, search="ustomer") == []
    assert await names(org, search="abc zzz") == []
    # Search input is literal text, never a pattern or an operator.
    assert await names(org, search=".*") == []
    data = await org.gql(PAGE, {"filter": {"search": "customer"}})
    assert data["customers"]["totalCount"] == 2


async def test_filters_by_lookups_and_updated_since(org: Org) -> None:
    kind = await org.mutate('mutation { customerTypeCreate(name: "Strata") '
                            "{ customerType { id } userErrors { code } } }")
    source = await org.mutate('mutation { leadSourceCreate(name: "Referral") '
                              "{ leadSource { id } userErrors { code } } }")
    type_id = kind["customerType"]["id"]
    await create(org, name="Typed", customerTypeId=type_id,
                 leadSourceId=source["leadSource"]["id"])
    older = await create(org, name="Plain")
    assert await names(org, customerTypeId=type_id) == ["Typed"]
    assert await names(org, leadSourceId=source["leadSource"]["id"]) == ["Typed"]
    assert await names(org, customerTypeId="garbage") == []
    await asyncio.sleep(0.01)
    changed = await org.mutate(
        "mutation($id: ID!) { customerUpdate(id: $id, input: {mobile: \"0400111222\"}) "
        "{ customer { updatedAt } userErrors { code } } }", {"id": older["id"]})
    since = changed["customer"]["updatedAt"]
    assert await names(org, updatedSince=since) == ["Plain"]


async def test_customer_by_id_name_and_node(org: Org) -> None:
    abc = await create(org, name="Customer  ABC")
    site = (await org.mutate(SITE_CREATE, {"customerId": abc["id"],
                                           "input": {"name": "Depot"}}))["site"]
    data = await org.gql(
        """query($id: ID!, $site: ID!) {
          customer(id: $id) { name }
          customerByName(name: "  customer abc ") { id }
          node(id: $id) { id ... on Customer { name } }
          siteNode: node(id: $site) { id ... on Site { name customer { name } } }
          missing: node(id: "bm9wZQ") { id }
        }""",
        {"id": abc["id"], "site": site["id"]},
    )
    assert data == {
        "customer": {"name": "Customer  ABC"},
        "customerByName": {"id": abc["id"]},
        "node": {"id": abc["id"], "name": "Customer  ABC"},
        "siteNode": {"id": site["id"], "name": "Depot", "customer": {"name": "Customer  ABC"}},
        "missing": None,
    }

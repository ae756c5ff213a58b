import asyncio
from typing import Any

from documents.api_key import Role
from tests.conftest import Org
from tests.queries import CUSTOMER_CREATE, SITE_CREATE

SITES = """query($first: Int, $after: String, $filter: SiteFilter) {
  sites(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id name address { line1 } customer { id name } } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}"""


async def customer_with_sites(org: Org, name: str, sites: list[dict[str, Any]]) -> str:
    customer_id: str = (await org.mutate(CUSTOMER_CREATE, {"input": {"name": name}}))[
        "customer"]["id"]
    for site in sites:
        await org.mutate(SITE_CREATE, {"customerId": customer_id, "input": site})
    return customer_id


async def all_sites(org: Org, first: int, **filter_fields: Any) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    after = None
    while True:
        data = (await org.gql(SITES, {"first": first, "after": after, "filter": filter_fields},
                              role=Role.FIELD))["sites"]
        seen.extend((e["node"]["customer"]["name"], e["node"]["name"]) for e in data["edges"])
        if not data["pageInfo"]["hasNextPage"]:
            return seen
        after = data["pageInfo"]["endCursor"]


async def test_sites_across_customers_page_by_page(org: Org) -> None:
    await asyncio.gather(
        customer_with_sites(org, "Bravo", [{"name": f"B{n}"} for n in range(4)]),
        customer_with_sites(org, "Alpha", [{"name": f"A{n}"} for n in range(3)]),
        customer_with_sites(org, "No Sites", []),
        customer_with_sites(org, "Charlie", [{"name": "C0"}]),
    )
    expected = [("Alpha", f"A{n}") for n in range(3)] + [("Bravo", f"B{n}") for n in range(4)]
    expected.append(("Charlie", "C0"))
    for first in (1, 2, 3, 5, 100):
        assert await all_sites(org, first) == expected
    data = await org.gql(SITES, {"first": 2})
    assert data["sites"]["totalCount"] == 8
    assert data["sites"]["pageInfo"]["hasNextPage"] is True


async def test_sites_by_customer_search_and_change(org: Org) -> None:
    abc = await customer_with_sites(org, "Customer ABC", [
        {"name": "Head Office", "address": {"line1": "1 George St", "suburb": "Sydney"}},
        {"name": "Depot", "address": {"line1": "9 Quay Rd", "suburb": "Botany"}},
    ])
    await customer_with_sites(org, "Other", [
        {"name": "George's Depot", "address": {"line1": "5 Pitt St", "suburb": "Sydney"}},
    ])
    assert await all_sites(org, 10, customerId=abc) == [
        ("Customer ABC", "Head Office"), ("Customer ABC", "Depot")]
    assert await all_sites(org, 10, search="sydney") == [
        ("Customer ABC", "Head Office"), ("Other", "George's Depot")]
    # Words may come from the site or from its customer's name.
    assert await all_sites(org, 10, search="abc depot") == [("Customer ABC", "Depot")]
    assert await all_sites(org, 1, search="george") == [
        ("Customer ABC", "Head Office"), ("Other", "George's Depot")]
    data = await org.gql(SITES, {"filter": {"search": "depot"}})
    assert data["sites"]["totalCount"] == 2

    await asyncio.sleep(0.01)
    site_id = (await org.gql(SITES, {"filter": {"search": "botany"}}))["sites"]["edges"][0][
        "node"]["id"]
    changed = await org.mutate(
        'mutation($id: ID!) { siteUpdate(id: $id, input: {notes: "Gate 4"}) '
        "{ site { updatedAt } userErrors { code } } }", {"id": site_id})
    since = changed["site"]["updatedAt"]
    assert await all_sites(org, 10, updatedSince=since) == [("Customer ABC", "Depot")]
    data = await org.gql(SITES, {"filter": {"updatedSince": since}})
    assert data["sites"]["totalCount"] == 1

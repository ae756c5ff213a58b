"""Lists stay complete and in order while name fences are built, stale, or
skipped over by archived customers (fences bound reads; they never decide results).
"""

import asyncio
from typing import Any

from documents.name_fences import NameFences
from tests.conftest import Org
from tests.queries import CUSTOMER_CREATE, SITE_CREATE

CUSTOMERS = """query($first: Int, $after: String) {
  customers(first: $first, after: $after) {
    edges { node { name } } pageInfo { hasNextPage endCursor }
  }
}"""
SITES = """query($first: Int, $after: String) {
  sites(first: $first, after: $after) {
    edges { node { name customer { name } } } pageInfo { hasNextPage endCursor }
  }
}"""


async def every(org: Org, query: str, first: int) -> list[Any]:
    seen: list[Any] = []
    after = None
    while True:
        (data,) = (await org.gql(query, {"first": first, "after": after})).values()
        seen.extend(edge["node"] for edge in data["edges"])
        if not data["pageInfo"]["hasNextPage"]:
            return seen
        after = data["pageInfo"]["endCursor"]


async def create_all(org: Org, names: list[str]) -> list[str]:
    ids = []
    for start in range(0, len(names), 20):
        payloads = await asyncio.gather(*(
            org.mutate(CUSTOMER_CREATE, {"input": {"name": name}})
            for name in names[start:start + 20]))
        ids.extend(p["customer"]["id"] for p in payloads)
    return ids


async def test_lists_stay_complete_with_fresh_stale_and_skipped_fences(org: Org) -> None:
    first_names = [f"Customer {n:03d}" for n in range(0, 280, 2)]  # 140 customers
    ids = dict(zip(first_names, await create_all(org, first_names), strict=True))
    names = [c["name"] for c in await every(org, CUSTOMERS, 9)]
    assert names == first_names
    fences = await NameFences.find_all().to_list()
    assert [len(f.fences) for f in fences] == [2]  # built on first read: every 64th name

    # Fifty more, between the old names: the fences are now stale, not rebuilt yet.
    later_names = [f"Customer {n:03d}" for n in range(1, 100, 2)]
    ids.update(zip(later_names, await create_all(org, later_names), strict=True))
    assert (await NameFences.find_all().to_list())[0].added_since_build == 50
    expected = sorted(first_names + later_names)
    for first in (1, 7, 64, 100):
        assert [c["name"] for c in await every(org, CUSTOMERS, first)] == expected

    # Archive most of the middle: ranges yield little, the read widens.
    archived = set(expected[20:170])
    for name in archived:
        await org.mutate("mutation($id: ID!) { customerArchive(id: $id) "
                         "{ customer { id } userErrors { code } } }", {"id": ids[name]})
    active = [name for name in expected if name not in archived]
    assert [c["name"] for c in await every(org, CUSTOMERS, 6)] == active


async def test_sites_pages_cross_fences(org: Org) -> None:
    names = [f"Owner {n:03d}" for n in range(150)]
    ids = await create_all(org, names)
    for n in range(2):  # a customer's sites are listed in the order they were added
        for start in range(0, 150, 15):
            await asyncio.gather(*(
                org.mutate(SITE_CREATE, {"customerId": customer_id, "input": {"name": f"S{n}"}})
                for customer_id in ids[start:start + 15]))
    expected = [(name, f"S{n}") for name in names for n in range(2)]
    for first in (3, 50, 100):
        sites = await every(org, SITES, first)
        assert [(s["customer"]["name"], s["name"]) for s in sites] == expected

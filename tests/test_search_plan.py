"""Customer and site search read bounded name windows of the search index
(resolvers/name_order): whatever the word (common, rare, short, several), the
pages hold exactly what a full scan of the organization finds, in order, and
nothing of another organization.
"""

import random
from typing import Any

import pytest
from beanie import PydanticObjectId

from documents.api_key import Role
from documents.customer import Address, Customer, Site
from documents.name_fences import NameFences
from documents.organization import Organization
from documents.text import matches_all, name_key, words
from resolvers.name_order import rebuild_fences
from resolvers.search_index import reindex_search
from tests.conftest import CommandLog, Org

SITES = """query($first: Int, $after: String, $filter: SiteFilter) {
  sites(first: $first, after: $after, filter: $filter) {
    edges { node { name customer { name } } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}"""
CUSTOMERS = """query($first: Int, $after: String, $filter: CustomerFilter) {
  customers(first: $first, after: $after, filter: $filter) {
    edges { node { name } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}"""

COMMON = ["Park", "Station", "Main"]
SUBURBS = ["Springfield", "Spring Hill", "Riverside", "Rivervale", "Hillcrest", "Oakwood"]
# Words that a few customers have, each in one place only.
RARE = ["Quokka", "Zephyr", "Xanadu"]


def _customers(org_id: PydanticObjectId, prefix: str, count: int, seed: int) -> list[Customer]:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    made = []
    for n in range(count):
        name = f"{prefix} {rng.choice(['Acme', 'Bolt', 'Cobalt', 'Delta'])} {n:03d}"
        sites = [Site(name=f"Site {s}", address=Address(
            line1=f"{rng.randint(1, 99)} {rng.choice(COMMON)} St",
            suburb=rng.choice(SUBURBS), postcode=str(4000 + rng.randint(0, 50))))
            for s in range(rng.choice([0, 1, 1, 2, 3, 5]))]
        customer = Customer(id=PydanticObjectId(), org_id=org_id, name=name,
                            name_key=name_key(name),
                            email=f"office{n}@{rng.choice(['example', 'mail'])}.com",
                            archived=n % 17 == 0, sites=sites)
        if n in (5, 150, 333) and sites:
            sites[-1].address.line1 = f"1 {RARE[0]} Lane"  # rare, on a site
        if n == 200:
            customer.email = f"{RARE[1].lower()}@example.com"  # rare, the customer's own
        if n == 398 and sites:
            sites[0].name = RARE[2]  # rare, near the end (past the last fence)
        customer.prepare_for_save()
        made.append(customer)
    return made


async def _seed(org: Org, prefix: str, seed: int) -> list[Customer]:
    found = await Organization.find_one({"slug": org.slug})
    assert found is not None
    assert found.id is not None
    customers = _customers(found.id, prefix, 400, seed)
    # Fences over the first 340 only: the last 60 came after they were built.
    await Customer.collection().insert_many([c.to_mongo() for c in customers[:340]])
    await rebuild_fences(found.id)
    await Customer.collection().insert_many([c.to_mongo() for c in customers[340:]])
    await NameFences.note_added(found.id, 60)
    return customers


def _expected_sites(customers: list[Customer], text: str) -> list[tuple[str, str]]:
    """A full scan: every active customer's sites whose tokens start every word."""
    query_words = words(text)
    return [(c.name, s.name) for c in sorted(customers, key=lambda c: c.name_key)
            if not c.archived
            for s in sorted(c.sites, key=lambda s: s.id)
            if matches_all(query_words, s.search_tokens)]


def _expected_customers(customers: list[Customer], text: str) -> list[str]:
    query_words = words(text)
    return [c.name for c in sorted(customers, key=lambda c: c.name_key)
            if not c.archived and matches_all(query_words, c.search_tokens)]


async def _pages(org: Org, query: str, field: str, text: str, first: int,
                 ) -> tuple[list[Any], int]:
    seen: list[Any] = []
    after = None
    total = -1
    while True:
        data = (await org.gql(query, {"first": first, "after": after,
                                      "filter": {"search": text}}, role=Role.FIELD))[field]
        total = data["totalCount"]
        for edge in data["edges"]:
            node = edge["node"]
            seen.append((node["customer"]["name"], node["name"]) if field == "sites"
                        else node["name"])
        if not data["pageInfo"]["hasNextPage"]:
            return seen, total
        after = data["pageInfo"]["endCursor"]


# Common (most sites), medium (a suburb or its prefix), short (two letters,
# read by a range), rare (a few customers, far apart), several words, nothing.
SEARCHES = [("park", 50), ("site", 100), ("spring", 9), ("River", 9), ("rivers", 9),
            ("st", 100), ("hi", 9), ("qu", 2), ("xa", 1),
            ("quokka", 3), ("zephyr", 3), ("xanadu", 2),
            ("quokka lane", 3), ("acme spring", 7), ("site 4 oak", 4), ("cobalt 12", 3),
            ("nothing", 5)]


@pytest.mark.parametrize(("text", "first"), SEARCHES)
async def test_site_search_pages_hold_what_a_full_scan_finds(
        make_org: Any, text: str, first: int) -> None:
    acme = await make_org("acme")
    other = await make_org("other")
    customers = await _seed(acme, "Acme", 1)
    await _seed(other, "Other", 2)  # the same words in another org: never listed
    expected = _expected_sites(customers, text)
    seen, total = await _pages(acme, SITES, "sites", text, first)
    assert seen == expected
    assert total == len(expected)
    if text in ("park", "quokka", "xanadu", "qu"):
        assert expected  # the data holds what these searches are about


@pytest.mark.parametrize(("text", "first"), [
    ("acme", 100), ("spring", 20), ("zephyr", 5), ("quokka", 2), ("mail com", 30),
    ("office19", 5), ("xy", 5)])
async def test_customer_search_pages_hold_what_a_full_scan_finds(
        make_org: Any, text: str, first: int) -> None:
    acme = await make_org("acme")
    other = await make_org("other")
    customers = await _seed(acme, "Acme", 3)
    await _seed(other, "Other", 4)
    expected = _expected_customers(customers, text)
    seen, total = await _pages(acme, CUSTOMERS, "customers", text, first)
    assert seen == expected
    assert total == len(expected)


async def test_customers_stored_before_search_prefixes_are_found_after_reindex(
        org: Org) -> None:
    found = await Organization.find_one({"slug": org.slug})
    assert found is not None
    assert found.id is not None
    old = Customer(id=PydanticObjectId(), org_id=found.id, name="Old Timer",
                   name_key=name_key("Old Timer"),
                   sites=[Site(name="Shed", address=Address(suburb="Woolloongabba"))])
    old.prepare_for_save()
    stored = old.to_mongo()
    del stored["search_prefixes"]  # as a customer written before the field existed
    await Customer.collection().insert_one(stored)

    async def found_sites() -> list[tuple[str, str]]:
        return (await _pages(org, SITES, "sites", "woollo", 10))[0]

    assert await found_sites() == []
    assert await reindex_search(found.id) == 1
    assert await found_sites() == [("Old Timer", "Shed")]
    assert await reindex_search(found.id) == 0  # once is enough


async def test_a_page_of_a_common_word_reads_one_name_window(
        org: Org, command_log: CommandLog) -> None:
    await _seed(org, "Acme", 5)
    command_log.commands.clear()
    data = await org.gql(SITES, {"first": 10, "filter": {"search": "park"}})
    assert len(data["sites"]["edges"]) == 10
    reads = [command["pipeline"][0]["$match"] for name, command in command_log.commands
             if name == "aggregate" and command["aggregate"] == "customers"
             and "$count" not in str(command["pipeline"])]
    # The first window (up to the first fences) fills the page: the index read
    # is the word's first letters and a name range, not every customer with it.
    assert len(reads) == 1
    assert reads[0]["search_prefixes"] == "par"
    assert set(reads[0]["name_key"]) == {"$lte"}

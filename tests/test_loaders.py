"""A page of customers costs the same few database commands whatever its size."""

import asyncio
from collections.abc import Iterator

import pytest

from documents.api_key import Role
from tests.conftest import CommandLog, Org, cache_lifetime
from tests.queries import CUSTOMER_CREATE, SITE_CREATE

PAGE = """query($first: Int!) {
  customers(first: $first) {
    edges { node {
      name customerType { name } leadSource { name } paymentTerm { name }
      priceLevel { name } assignedUser { name }
      billing { billingCustomer { name billing { billingCustomer { name } } } }
      sites { name equipment { name } customer { name } }
    } }
  }
}"""


async def one_of_each_lookup(org: Org) -> dict[str, str]:
    """A customer type, lead source, payment term, price level and user: their
    ids by the customer input field that takes each.
    """
    ids = {}
    for mutation, field in (
        ('customerTypeCreate(name: "T") { customerType { id }', "customerTypeId"),
        ('leadSourceCreate(name: "L") { leadSource { id }', "leadSourceId"),
        ('paymentTermCreate(input: {name: "P"}) { paymentTerm { id }', "paymentTermId"),
        ('priceLevelCreate(input: {name: "V"}) { priceLevel { id }', "priceLevelId"),
        ('userCreate(input: {name: "U"}) { user { id }', "assignedUserId"),
    ):
        payload = await org.mutate(f"mutation {{ {mutation} userErrors {{ code }} }} }}",
                                   role=Role.ADMIN)
        (value,) = (v for k, v in payload.items() if k != "userErrors")
        ids[field] = value["id"]
    return ids


@pytest.fixture
def kept_for_the_test() -> Iterator[None]:
    """Keys and lookups kept for the whole test, however slow the machine: what
    the page costs does not then depend on when their few seconds run out.
    """
    with cache_lifetime(3600):
        yield


@pytest.mark.usefixtures("kept_for_the_test")
async def test_commands_per_page_do_not_grow_with_page_size(
    org: Org, command_log: CommandLog
) -> None:
    ids = await one_of_each_lookup(org)
    manager = await org.mutate(CUSTOMER_CREATE, {"input": {"name": "00 Manager"}})
    manager_id = manager["customer"]["id"]
    async def tenant(n: int) -> None:
        created = await org.mutate(CUSTOMER_CREATE, {"input": {
            "name": f"Tenant {n:03d}", **ids, "billing": {"billingCustomerId": manager_id}}})
        await org.mutate(SITE_CREATE, {"customerId": created["customer"]["id"],
                                       "input": {"name": "Unit"}})

    for start in range(0, 120, 20):
        await asyncio.gather(*(tenant(n) for n in range(start, start + 20)))

    await org.gql(PAGE, {"first": 1})  # builds the name fences, once
    counts = {}
    for size in (3, 10, 100):
        command_log.commands.clear()
        data = await org.gql(PAGE, {"first": size})
        assert len(data["customers"]["edges"]) == size
        tenant = data["customers"]["edges"][-1]["node"]
        assert tenant["assignedUser"] == {"name": "U"}
        assert tenant["billing"]["billingCustomer"]["name"] == "00 Manager"
        # The in-process import and export workers poll their jobs meanwhile: not the
        # page's cost.
        counts[size] = [name for name, command in command_log.commands
                        if command.get(name) not in ("import_jobs", "export_jobs")]
    assert counts[3] == counts[10] == counts[100]
    # The name fences, the page, then one batched load of the billing customers:
    # the key and the five lookups were read by the pages before, and are kept
    # for a few seconds (issue 13.3: resolvers/actor_cache.py, lookup_cache.py).
    assert sorted(counts[100]) == sorted(["aggregate", "find", "find"])


async def test_without_caches_each_kind_of_reference_is_one_batched_load(
        org: Org, command_log: CommandLog) -> None:
    with cache_lifetime(0):
        ids = await one_of_each_lookup(org)
        manager = await org.mutate(CUSTOMER_CREATE, {"input": {"name": "00 Manager"}})
        for n in range(3):
            await org.mutate(CUSTOMER_CREATE, {"input": {
                "name": f"Tenant {n}", **ids,
                "billing": {"billingCustomerId": manager["customer"]["id"]}}})
        await org.gql(PAGE, {"first": 1})  # builds the name fences, once
        command_log.commands.clear()
        await org.gql(PAGE, {"first": 4})
        names = [name for name, command in command_log.commands
                 if command.get(name) not in ("import_jobs", "export_jobs")]
        # The key, the name fences, the page, then one batched load per kind of
        # referenced document (five lookups and the billing customers).
        assert sorted(names) == sorted(["aggregate", "aggregate", *["find"] * 7])

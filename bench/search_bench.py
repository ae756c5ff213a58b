"""Site search and big customers, at one user, with the database's CPU per operation.

Seeds query_bench's data (10,000 customers with 3 sites each) into a fresh
embedded SecantusDB, runs `sitebook serve`, and for three site searches (a
suburb's first 5 letters, a word every site has, a rare word) prints p50 and
the database's CPU per search, against the plan search had before its name
windows (every customer with a token in the word's range, whole, matched and
sorted before the limit; run through raw PyMongo on its own index) in the
same run. Not a test: it prints figures.

    .venv/bin/python bench/search_bench.py [--searches 30] [--customers 10000]
    .venv/bin/python bench/search_bench.py --big-customer

`--big-customer` measures instead one customer with 50, 500 and 5,000 sites:
reading one of its sites (`node`), editing one (`siteUpdate`) and searching
its sites (`sites(filter: {customerId, search})`), in seconds and database CPU
per operation, and the growth from 500 to 5,000 sites (10 is linear).
"""

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from beanie import PydanticObjectId
from embedded import cpu_seconds, embedded_server, until_ready
from pymongo import AsyncMongoClient
from query_bench import DATABASE, RARE_SUBURB, SEARCH_QUERY, SUBURBS, seed, site_hits

from app.auth import create_api_key, create_org
from app.database import Database
from app.embedded import free_port
from app.settings import Settings
from documents.api_key import Role
from documents.customer import Address, Customer, Site
from documents.text import name_key, prefix_range

SEARCH_RUNS = 30


async def former_search(customers: Any, org_id: Any, word: str) -> list[dict[str, Any]]:
    """The reads a site search made before search_prefixes: every customer with a
    token in the word's range, whole, matched twice and sorted before the limit.
    """
    pipeline = [
        {"$match": {"org_id": org_id, "search_tokens": prefix_range(word)}},
        {"$match": {"archived": False, "sites.0": {"$exists": True}}},
        {"$match": {"search_tokens": {"$elemMatch": prefix_range(word)}}},
        {"$sort": {"name_key": 1}}, {"$limit": 52},
    ]
    return site_hits(await (await customers.aggregate(pipeline)).to_list(), word)


@contextlib.asynccontextmanager
async def serving(uri: str) -> AsyncIterator[tuple[httpx.AsyncClient, int]]:
    """`sitebook serve` on the database at `uri`: a client and the service's pid."""
    port = free_port()
    env = {**os.environ, "MONGODB_URI": uri, "SITEBOOK_DATABASE": DATABASE}
    service = subprocess.Popen(  # noqa: ASYNC220 - our own console script, started once
        [str(Path(sys.executable).parent / "sitebook"), "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            await until_ready(http)
            yield http, service.pid
    finally:
        service.terminate()
        service.wait()


async def one_user(runs: int, pids: tuple[int, int], call: Callable[[int], Awaitable[None]]
                   ) -> tuple[float, float, float]:
    """p50 latency, and the CPU per call of the database and of the service
    (pids; 0: none), in ms, over `runs` calls in a row.
    """
    await call(0)  # warm-up
    latencies = []
    before = [cpu_seconds(pid) if pid else 0.0 for pid in pids]
    for n in range(runs):
        started = time.perf_counter()
        await call(n)
        latencies.append(time.perf_counter() - started)
    db_cpu, service_cpu = ((cpu_seconds(pid) - b) / runs * 1000 if pid else 0.0
                           for pid, b in zip(pids, before, strict=True))
    return statistics.median(latencies) * 1000, db_cpu, service_cpu


async def searches(uri: str, db_pid: int, key: str, runs: int) -> None:
    """Site searches at one user: the service's plan against the former plan."""
    kinds = {
        "suburb (5 letters; 1 site in 20)": [w[:5] for w in SUBURBS],
        "common word ('site': every site)": ["site"],
        f"rare word ('{RARE_SUBURB[:6]}': 10 sites)": [RARE_SUBURB[:6]],
    }
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
    customers = client[DATABASE]["customers"]
    org = await client[DATABASE]["organizations"].find_one({"slug": "bench"})
    assert org is not None
    # Only for the former plan's figures: the index it read.
    await customers.create_index([("org_id", 1), ("search_tokens", 1)])
    headers = {"Authorization": f"Bearer {key}"}
    print(f"\nsite search (first 50) at one user, {runs} searches of each kind: "
          "p50, and database and service CPU per search")
    async with serving(uri) as (http, service_pid):
        for label, texts in kinds.items():
            async def service(n: int, texts: list[str] = texts) -> None:
                response = await http.post("/graphql", headers=headers, json={
                    "query": SEARCH_QUERY, "variables": {"q": texts[n % len(texts)]}})
                body = response.json()
                assert response.status_code == 200, body
                assert "errors" not in body, body
                assert body["data"]["sites"]["edges"], body

            async def former(n: int, texts: list[str] = texts) -> None:
                assert await former_search(customers, org["_id"], texts[n % len(texts)].lower())

            try:
                new_p50, new_cpu, service_cpu = await one_user(runs, (db_pid, service_pid),
                                                               service)
            except AssertionError as failed:  # a search the service gave up on (TIMEOUT)
                print(f"  {label:<38} GraphQL failed: {str(failed)[:160]}", flush=True)
                continue
            # The former plan reads up to the whole org per search: fewer runs.
            old_p50, old_cpu, _ = await one_user(min(runs, 8), (db_pid, 0), former)
            print(f"  {label:<38} GraphQL p50 {new_p50:7.1f} ms, db CPU {new_cpu:6.1f} ms, "
                  f"service CPU {service_cpu:5.1f} ms | "
                  f"former plan (raw) p50 {old_p50:7.1f} ms, db CPU {old_cpu:6.1f} ms | "
                  f"db CPU x{old_cpu / max(new_cpu, 0.1):.1f} lower", flush=True)
    await client.close()


BIG_SIZES = (50, 500, 5_000)
SITE_QUERY = """query($id: ID!) { node(id: $id) { ... on Site {
  id name address { line1 suburb postcode } customer { id name } } } }"""
SITE_UPDATE = """mutation($id: ID!, $notes: String) { siteUpdate(id: $id, input: {notes: $notes}) {
  site { id notes } userErrors { code message } } }"""
CUSTOMER_SITES_SEARCH = """query($customer: ID!, $q: String!) {
  sites(first: 50, filter: {customerId: $customer, search: $q}) {
    edges { node { id name address { line1 suburb } } } } }"""


async def big_customer(uri: str, db_pid: int) -> None:
    """A property manager with 50, 500 and 5,000 sites: one site read, one site
    edited, its sites searched, each over HTTP at one user.
    """
    from schema.ids import to_global_id

    database = Database(Settings(MONGODB_URI=uri, SITEBOOK_DATABASE=DATABASE))
    await database.open()
    org = await create_org("bench")
    key = await create_api_key(org, Role.OFFICE)
    assert org.id is not None
    made: dict[int, Customer] = {}
    for count in BIG_SIZES:
        name = f"Big Manager {count}"
        customer = Customer(id=PydanticObjectId(), org_id=org.id, name=name,
                            name_key=name_key(name), sites=[Site(
                                name=f"Site {n}", address=Address(
                                    line1=f"{n} Long Rd", suburb=f"Suburb {n % 97}",
                                    postcode=str(2000 + n % 900))) for n in range(count)])
        customer.prepare_for_save()
        await Customer.collection().insert_one(customer.to_mongo())
        made[count] = customer
    await database.close()
    headers = {"Authorization": f"Bearer {key}"}
    runs = 20
    print(f"\none customer with many sites, at one user ({runs} runs each): "
          "p50 seconds per operation, database CPU per operation")
    async with serving(uri) as (http, service_pid):
        async def post(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            response = await http.post("/graphql", headers=headers,
                                       json={"query": query, "variables": variables})
            body: dict[str, Any] = response.json()
            assert response.status_code == 200, body
            assert "errors" not in body, body
            data: dict[str, Any] = body["data"]
            return data

        figures: dict[str, dict[int, float]] = {}
        for count, customer in made.items():
            customer_id = to_global_id("Customer", customer.id)
            site_ids = [to_global_id("Site", site.id) for site in customer.sites]

            async def read(n: int, site_ids: list[Any] = site_ids) -> None:
                assert (await post(SITE_QUERY, {"id": site_ids[n * 7 % len(site_ids)]}))["node"]

            async def edit(n: int, site_ids: list[Any] = site_ids) -> None:
                payload = (await post(SITE_UPDATE, {"id": site_ids[n * 7 % len(site_ids)],
                                                    "notes": f"visit {n}"}))["siteUpdate"]
                assert payload["userErrors"] == [], payload

            async def search(n: int, customer_id: str = customer_id) -> None:
                data = await post(CUSTOMER_SITES_SEARCH,
                                  {"customer": customer_id, "q": f"suburb {n % 10}"})
                assert data["sites"]["edges"]

            for label, call in (("read one site", read), ("edit one site", edit),
                                ("search its sites", search)):
                p50, cpu, service_cpu = await one_user(runs, (db_pid, service_pid), call)
                figures.setdefault(label, {})[count] = p50
                print(f"  {count:>5,} sites, {label:<17} {p50 / 1000:8.4f} s  "
                      f"db CPU {cpu:7.1f} ms  service CPU {service_cpu:7.1f} ms  "
                      f"({p50 / count:6.3f} ms per site)", flush=True)
        print("  growth from 500 to 5,000 sites (10 is linear): " + ", ".join(
            f"{label} x{by_size[5_000] / by_size[500]:.1f}" for label, by_size in figures.items()))





async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=SEARCH_RUNS,
                        help="site searches of each kind")
    parser.add_argument("--big-customer", action="store_true",
                        help="one customer with 50, 500 and 5,000 sites instead")
    args = parser.parse_args()

    with embedded_server() as server:
        assert server.uri is not None
        assert server.process is not None
        if args.big_customer:
            await big_customer(server.uri, server.process.pid)
            return
        started = time.perf_counter()
        key, _ = await seed(server.uri, args.customers)
        print(f"seeded {args.customers} customers x 3 sites in "
              f"{time.perf_counter() - started:.1f}s", flush=True)
        await searches(server.uri, server.process.pid, key, args.searches)


if __name__ == "__main__":
    asyncio.run(main())

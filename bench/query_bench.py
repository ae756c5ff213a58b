"""Read latency of the GraphQL API against raw PyMongo doing the same reads.

Seeds 10,000 customers with 3 sites each into a fresh embedded SecantusDB,
runs `sitebook serve` under uvicorn, and for each read measures p50/p99 and
requests/s at concurrency 8, then the same reads with raw PyMongo, and prints
the GraphQL/raw ratios and the database commands per request (page of 10 vs
100). Then site searches at one user (a suburb, a common word, a rare word):
p50 and the database's CPU per search, against the plan search had before
search_prefixes (a range on every token, run through raw PyMongo) in the same
run. Not a test: it prints figures.

    .venv/bin/python bench/query_bench.py [--seconds 20] [--customers 10000]
    .venv/bin/python bench/query_bench.py --only-search [--searches 40]
    .venv/bin/python bench/query_bench.py --only-big-customer

`--only-big-customer` measures one customer with 50, 500 and 5,000 sites:
reading one of its sites, editing one, and searching its sites, in seconds
per operation and database CPU per operation.
"""

import argparse
import asyncio
import contextlib
import os
import random
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
from pymongo import AsyncMongoClient, monitoring

from app.asgi import create_app
from app.auth import create_api_key, create_org
from app.database import Database
from app.embedded import free_port
from app.settings import Settings
from documents.api_key import Role
from documents.customer import Address, BillingArrangement, Customer, Site
from documents.lookups import CustomerType
from documents.text import name_key, prefix_range
from resolvers.name_order import rebuild_fences

DATABASE = "sitebook_bench"
CONCURRENCY = 8
SUBURBS = ["Springfield", "Riverside", "Hillcrest", "Lakeside", "Fairview", "Oakwood",
           "Greenwood", "Kingston", "Ashford", "Belmont", "Carlton", "Dalby", "Elmore",
           "Fernvale", "Glenorchy", "Hamilton", "Ipswich", "Jindalee", "Kenmore", "Lutwyche"]
STREETS = ["High St", "Main Rd", "Church St", "Station Rd", "Park Ave", "Queen St"]
# A suburb one customer in a thousand has a site in: the rare word searched.
RARE_SUBURB = "Wooloowin"
SEARCH_RUNS = 40

PAGE_QUERY = """query($first: Int!) { customers(first: $first) { edges { node {
  id name email phone customerType { name }
  billing { billingCustomer { id name } }
  sites { id name address { line1 suburb postcode } }
} } } }"""
SEARCH_QUERY = """query($q: String!) { sites(first: 50, filter: {search: $q}) { edges { node {
  id name address { line1 suburb postcode } customer { id name }
} } } }"""
ONE_QUERY = """query($id: ID!) { customer(id: $id) {
  id name email phone customerType { name } billing { billingCustomer { id name } }
  sites { id name address { line1 suburb postcode } }
  contacts { id firstName } equipment { id name }
} }"""


async def seed(uri: str, customers: int) -> tuple[str, list[PydanticObjectId]]:
    """Customers, each with 3 sites; one in ten billed to another. Returns a key and ids."""
    database = Database(Settings(MONGODB_URI=uri, SITEBOOK_DATABASE=DATABASE))
    await database.open()
    org = await create_org("bench")
    key = await create_api_key(org, Role.OFFICE)
    assert org.id is not None
    types = [CustomerType(id=PydanticObjectId(), org_id=org.id, name=n, name_key=name_key(n))
             for n in ("Residential", "Commercial", "Strata", "Government")]
    await CustomerType.collection().insert_many([t.to_mongo() for t in types])
    rng = random.Random(7)
    ids: list[PydanticObjectId] = [PydanticObjectId() for _ in range(customers)]
    batch: list[dict[str, Any]] = []
    for n, customer_id in enumerate(ids):
        name = f"Customer {n:05d}"
        customer = Customer(
            id=customer_id, org_id=org.id, name=name, name_key=name_key(name),
            email=f"accounts{n}@example.com", phone=f"+6173{n:07d}",
            customer_type_id=rng.choice(types).id,
            billing=BillingArrangement(billing_customer_id=ids[n - 1]) if n % 10 == 9 else None,
            sites=[Site(name=f"Site {s}", address=Address(
                line1=f"{rng.randint(1, 300)} {rng.choice(STREETS)}",
                suburb=rng.choice(SUBURBS), postcode=str(4000 + rng.randint(0, 300))))
                for s in range(3)],
        )
        if n % 1000 == 500:
            customer.sites[0].address.suburb = RARE_SUBURB
        customer.refresh_search_tokens([])
        batch.append(customer.to_mongo())
        if len(batch) == 1000:
            await Customer.collection().insert_many(batch)
            batch = []
    if batch:
        await Customer.collection().insert_many(batch)
    await rebuild_fences(org.id)  # as a bulk import does when it ends
    await database.close()
    return key, ids


async def measure(
    label: str, seconds: float, call: Callable[[], Awaitable[None]]
) -> dict[str, float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    result = {
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "rps": len(latencies) / elapsed,
    }
    print(f"  {label:<34} p50 {result['p50']:8.2f} ms  p99 {result['p99']:8.2f} ms  "
          f"{result['rps']:8.1f} req/s", flush=True)
    return result


def graphql_calls(
    http: httpx.AsyncClient, key: str, ids: list[PydanticObjectId]
) -> dict[str, Callable[[], Awaitable[None]]]:
    from schema.ids import to_global_id

    headers = {"Authorization": f"Bearer {key}"}
    rng = random.Random(1)

    async def post(query: str, variables: dict[str, Any]) -> None:
        response = await http.post("/graphql", json={"query": query, "variables": variables},
                                   headers=headers)
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body

    return {
        "a) page of 50 customers": lambda: post(PAGE_QUERY, {"first": 50}),
        "b) site search": lambda: post(SEARCH_QUERY, {"q": rng.choice(SUBURBS)[:5]}),
        "c) one customer by id": lambda: post(
            ONE_QUERY, {"id": to_global_id("Customer", rng.choice(ids))}),
    }


def raw_calls(
    client: AsyncMongoClient[dict[str, Any]], org_id: Any, ids: list[PydanticObjectId]
) -> dict[str, Callable[[], Awaitable[None]]]:
    """The same reads the service makes (same query shapes, same indexes),
    written by hand with PyMongo: what is left is the service's own cost.
    """
    customers = client[DATABASE]["customers"]
    types = client[DATABASE]["customer_types"]
    fences = client[DATABASE]["customer_name_fences"]
    rng = random.Random(1)

    async def page() -> None:
        fence = (await fences.find_one({"org_id": org_id}))["fences"][0]
        pipeline = [{"$match": {"org_id": org_id, "name_key": {"$lte": fence}}},
                    {"$match": {"archived": False}}, {"$sort": {"name_key": 1}}, {"$limit": 51}]
        docs = await (await customers.aggregate(pipeline)).to_list()
        billing_ids = {d["billing"]["billing_customer_id"] for d in docs if d.get("billing")}
        type_ids = {d["customer_type_id"] for d in docs if d.get("customer_type_id")}
        await customers.find({"org_id": org_id, "_id": {"$in": list(billing_ids)}},
                             {"name": 1}).to_list()
        await types.find({"org_id": org_id, "_id": {"$in": list(type_ids)}}).to_list()

    async def search() -> None:
        found = await windowed_search(customers, fences, org_id, rng.choice(SUBURBS)[:5].lower())
        assert found

    async def one() -> None:
        doc = await customers.find_one({"_id": rng.choice(ids), "org_id": org_id})
        assert doc is not None
        if doc.get("customer_type_id"):
            await types.find_one({"org_id": org_id, "_id": doc["customer_type_id"]})

    return {"a) page of 50 customers": page, "b) site search": search,
            "c) one customer by id": one}


def _site_hits(docs: list[dict[str, Any]], word: str) -> list[dict[str, Any]]:
    return [s for d in docs for s in d["sites"]
            if any(t.startswith(word) for t in s["search_tokens"])]


async def windowed_search(customers: Any, fences: Any, org_id: Any, word: str
                          ) -> list[dict[str, Any]]:
    """The reads a site search makes (resolvers/name_order): fenced name windows
    of the (org_id, search_prefixes, name_key) index, widening fourfold.
    """
    bounds = (await fences.find_one({"org_id": org_id}))["fences"]
    found: list[dict[str, Any]] = []
    low, index, step = None, 0, 1
    while len(found) <= 50:
        high = bounds[index + step - 1] if index + step - 1 < len(bounds) else None
        names = {**({"$gt": low} if low else {}), **({"$lte": high} if high else {})}
        pipeline = [
            {"$match": {"org_id": org_id, "search_prefixes": word[:3],
                        **({"name_key": names} if names else {})}},
            {"$match": {"archived": False, "sites.0": {"$exists": True}}},
            {"$match": {"search_tokens": {"$elemMatch": prefix_range(word)}}},
            {"$sort": {"name_key": 1}}, {"$limit": 52},
        ]
        found += _site_hits(await (await customers.aggregate(pipeline)).to_list(), word)
        if high is None:
            break
        low, index, step = high, index + step, step * 4
    return found


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
    return _site_hits(await (await customers.aggregate(pipeline)).to_list(), word)


class CommandCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name == DATABASE:
            self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def commands_per_page(uri: str, key: str) -> dict[int, int]:
    """Database commands one page request costs, for page sizes 10 and 100."""
    counter = CommandCounter()
    monitoring.register(counter)
    app = create_app(Settings(MONGODB_URI=uri, SITEBOOK_DATABASE=DATABASE))
    counts = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            for size in (10, 100):
                counter.count = 0
                response = await http.post(
                    "/graphql", json={"query": PAGE_QUERY, "variables": {"first": size}},
                    headers={"Authorization": f"Bearer {key}"})
                assert len(response.json()["data"]["customers"]["edges"]) == size
                counts[size] = counter.count
    return counts


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=SEARCH_RUNS,
                        help="site searches of each kind at one user")
    parser.add_argument("--only-search", action="store_true",
                        help="only the site searches at one user")
    parser.add_argument("--only-big-customer", action="store_true",
                        help="only one customer with 50, 500 and 5,000 sites")
    args = parser.parse_args()

    with embedded_server() as server:
        uri, db_pid = server.uri, server.process.pid if server.process else 0
        assert uri is not None
        if args.only_big_customer:
            await big_customer(uri, db_pid)
            return
        started = time.perf_counter()
        key, ids = await seed(uri, args.customers)
        print(f"seeded {args.customers} customers x 3 sites in "
              f"{time.perf_counter() - started:.1f}s", flush=True)
        if not args.only_search:
            await run(uri, key, ids, args.seconds)
        await searches(uri, db_pid, key, args.searches)


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


async def one_user(runs: int, db_pid: int, call: Callable[[int], Awaitable[None]]
                   ) -> tuple[float, float]:
    """p50 latency and the database's CPU per call, in ms, over `runs` calls in a row."""
    await call(0)  # warm-up
    latencies = []
    cpu_before = cpu_seconds(db_pid)
    for n in range(runs):
        started = time.perf_counter()
        await call(n)
        latencies.append(time.perf_counter() - started)
    cpu = (cpu_seconds(db_pid) - cpu_before) / runs
    return statistics.median(latencies) * 1000, cpu * 1000


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
          "p50 and database CPU per search")
    async with serving(uri) as (http, _):
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

            new_p50, new_cpu = await one_user(runs, db_pid, service)
            old_p50, old_cpu = await one_user(runs, db_pid, former)
            print(f"  {label:<38} GraphQL p50 {new_p50:7.1f} ms, db CPU {new_cpu:6.1f} ms | "
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
    async with serving(uri) as (http, _):
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

            async def read(n: int, site_ids: list[str] = site_ids) -> None:
                assert (await post(SITE_QUERY, {"id": site_ids[n * 7 % len(site_ids)]}))["node"]

            async def edit(n: int, site_ids: list[str] = site_ids) -> None:
                payload = (await post(SITE_UPDATE, {"id": site_ids[n * 7 % len(site_ids)],
                                                    "notes": f"visit {n}"}))["siteUpdate"]
                assert payload["userErrors"] == [], payload

            async def search(n: int, customer_id: str = customer_id) -> None:
                data = await post(CUSTOMER_SITES_SEARCH,
                                  {"customer": customer_id, "q": f"suburb {n % 10}"})
                assert data["sites"]["edges"]

            for label, call in (("read one site", read), ("edit one site", edit),
                                ("search its sites", search)):
                p50, cpu = await one_user(runs, db_pid, call)
                figures.setdefault(label, {})[count] = p50
                print(f"  {count:>5,} sites, {label:<17} {p50 / 1000:8.4f} s  "
                      f"db CPU {cpu:7.1f} ms  ({p50 / count:6.3f} ms per site)", flush=True)
        print("  growth from 500 to 5,000 sites (10 is linear): " + ", ".join(
            f"{label} x{by_size[5_000] / by_size[500]:.1f}" for label, by_size in figures.items()))


async def run(uri: str, key: str, ids: list[PydanticObjectId], seconds: float) -> None:
    port = free_port()
    env = {**os.environ, "MONGODB_URI": uri, "SITEBOOK_DATABASE": DATABASE}
    service = subprocess.Popen(  # noqa: ASYNC220 - our own console script, started once
        [str(Path(sys.executable).parent / "sitebook"), "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30,
                                     limits=httpx.Limits(max_connections=CONCURRENCY)) as http:
            await until_ready(http)
            print(f"\nGraphQL over HTTP (uvicorn), concurrency {CONCURRENCY}, {seconds:.0f}s each")
            graphql = {label: await measure(label, seconds, call)
                       for label, call in graphql_calls(http, key, ids).items()}
    finally:
        service.terminate()
        service.wait()

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
    org = await client[DATABASE]["organizations"].find_one({"slug": "bench"})
    assert org is not None
    print(f"\nraw PyMongo (AsyncMongoClient), concurrency {CONCURRENCY}, {seconds:.0f}s each")
    raw = {label: await measure(label, seconds, call)
           for label, call in raw_calls(client, org["_id"], ids).items()}
    await client.close()

    print("\nGraphQL / raw PyMongo")
    for label in graphql:
        print(f"  {label:<34} p50 x{graphql[label]['p50'] / raw[label]['p50']:5.2f}  "
              f"p99 x{graphql[label]['p99'] / raw[label]['p99']:5.2f}")
    counts = await commands_per_page(uri, key)
    print("\ndatabase commands per customers page (key check included): "
          + ", ".join(f"first={size}: {n}" for size, n in counts.items()))


if __name__ == "__main__":
    asyncio.run(main())

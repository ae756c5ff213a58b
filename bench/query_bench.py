"""Read latency of the GraphQL API against raw PyMongo doing the same reads.

Seeds 10,000 customers with 3 sites each into a fresh embedded SecantusDB,
runs `sitebook serve` under uvicorn, and for each read measures p50/p99 and
requests/s at concurrency 8, then the same reads with raw PyMongo, and prints
the GraphQL/raw ratios and the database commands per request (page of 10 vs
100). Not a test: it prints figures.

Then, at one user (issue 13.3), interleaved rounds of: one customer by id
through GraphQL over HTTP against a raw PyMongo `find_one` of the same
customer (p50 ratio), and the service's CPU per page of 50 customers against
raw PyMongo's doing the same commands and encoding the documents with orjson.
With `--before REF` the same rounds also run the service as it was at the git
commit REF (its tree extracted to a temporary directory), so before and after
are measured in one run, against the same raw baseline.

    .venv/bin/python bench/query_bench.py [--seconds 20] [--customers 10000]
        [--workers 1,2] [--rounds 3] [--before REF] [--one-user-only]

`--workers 1,2` runs the service with 1, then 2 processes (`sitebook serve
--workers N`), in turns for `--rounds` rounds, and prints the medians side by
side with the CPU each part used per request (service processes, database,
this benchmark's own client).
"""

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
from beanie import PydanticObjectId
from embedded import embedded_database, until_ready
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
# A suburb one customer in a thousand has a site in (bench/search_bench.py's rare word).
RARE_SUBURB = "Wooloowin"

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


def cpu_seconds(pid: int) -> float:
    """User + system CPU a live process has used (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found += [int(child), *descendants(int(child))]
    return found


class CpuProbe:
    """CPU seconds used by the service's processes, the database and this process."""

    def __init__(self, service: int, database: int) -> None:
        self.service = [service, *descendants(service)]
        self.database = database

    def sample(self) -> dict[str, float]:
        own = os.times()
        return {"service": sum(cpu_seconds(pid) for pid in self.service),
                "database": cpu_seconds(self.database),
                "client": own.user + own.system}


async def measure(
    label: str, seconds: float, call: Callable[[], Awaitable[None]],
    probe: CpuProbe | None = None,
) -> dict[str, float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    cpu_before = probe.sample() if probe else {}

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
    cpu = ""
    if probe:  # CPU milliseconds per request, by part
        for part, used in probe.sample().items():
            result[f"cpu {part}"] = (used - cpu_before[part]) * 1000 / len(latencies)
        cpu = "  cpu/req " + "  ".join(f"{part} {result[f'cpu {part}']:5.1f} ms"
                                       for part in cpu_before)
    print(f"  {label:<34} p50 {result['p50']:8.2f} ms  p99 {result['p99']:8.2f} ms  "
          f"{result['rps']:8.1f} req/s{cpu}", flush=True)
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


def site_hits(docs: list[dict[str, Any]], word: str) -> list[dict[str, Any]]:
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
        found += site_hits(await (await customers.aggregate(pipeline)).to_list(), word)
        if high is None:
            break
        low, index, step = high, index + step, step * 4
    return found


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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_service(uri: str, port: int, tree: Path | None = None) -> subprocess.Popen[bytes]:
    """`sitebook serve` on `port` against `uri`, without in-process workers (their
    polling would count as the service's CPU); `tree`: run that source tree instead.
    """
    env = {**os.environ, "MONGODB_URI": uri, "SITEBOOK_DATABASE": DATABASE,
           "SITEBOOK_IMPORT_WORKERS": "0", "SITEBOOK_EXPORT_WORKERS": "0"}
    if tree is None:
        command = [str(Path(sys.executable).parent / "sitebook"), "serve", "--port", str(port)]
    else:  # the tree's packages come first on the path, before the editable install
        command = [sys.executable, "-c", "from app.cli import cli; cli()", "serve",
                   "--port", str(port)]
    return subprocess.Popen(command, env=env, cwd=tree, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def extract_tree(ref: str, into: Path) -> Path:
    """The project's files as of git commit `ref`, written under `into`."""
    root = Path(__file__).resolve().parent.parent
    archive = subprocess.run(["git", "-C", str(root), "archive", ref],  # noqa: S607
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)  # noqa: S607
    return into


async def one_user(uri: str, key: str, ids: list[PydanticObjectId], before: str | None,
                   rounds: int, requests: int) -> None:
    """Issue 13.3's two ratios at one user, in interleaved rounds: one customer by id
    (GraphQL over HTTP / raw find_one, p50) and a page of 50 customers (service CPU /
    raw PyMongo + orjson CPU), for this tree and, with `before`, the tree at that commit.
    """
    from schema.ids import to_global_id

    with tempfile.TemporaryDirectory() as tmp:
        trees: dict[str, Path | None] = {"after": None}
        if before is not None:
            trees = {"before": extract_tree(before, Path(tmp)), **trees}
        services = {label: (port, start_service(uri, port, tree))
                    for label, tree in trees.items() for port in [free_port()]}
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
        try:
            await _one_user_rounds(client, services, key, ids, rounds, requests, to_global_id)
        finally:
            for _, service in services.values():
                service.terminate()
                service.wait()
            await client.close()


async def _one_user_rounds(
    client: AsyncMongoClient[dict[str, Any]],
    services: dict[str, tuple[int, subprocess.Popen[bytes]]], key: str,
    ids: list[PydanticObjectId], rounds: int, requests: int, to_global_id: Any,
) -> None:
    database = client[DATABASE]
    org = await database["organizations"].find_one({"slug": "bench"})
    assert org is not None
    org_id = org["_id"]
    from app.auth import hash_key

    key_hash = hash_key(key)
    headers = {"Authorization": f"Bearer {key}"}
    https = {label: httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30)
             for label, (port, _) in services.items()}
    for http in https.values():
        await until_ready(http)
    rng = random.Random(3)

    async def graphql(http: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> None:
        response = await http.post("/graphql", json={"query": query, "variables": variables},
                                   headers=headers)
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.text

    async def raw_one(customer_id: PydanticObjectId) -> None:
        assert await database["customers"].find_one({"_id": customer_id, "org_id": org_id})

    async def raw_page() -> None:
        # The commands a page costs the service without its key cache: the key,
        # the name fence, the page, the billing customers and the customer types.
        assert await database["api_keys"].find_one({"key_hash": key_hash, "revoked_at": None})
        fence = (await database["customer_name_fences"].find_one(
            {"org_id": org_id}))["fences"][0]
        pipeline = [{"$match": {"org_id": org_id, "name_key": {"$lte": fence}}},
                    {"$match": {"archived": False}}, {"$sort": {"name_key": 1}}, {"$limit": 51}]
        docs = await (await database["customers"].aggregate(pipeline)).to_list()
        billing_ids = [d["billing"]["billing_customer_id"] for d in docs if d.get("billing")]
        type_ids = list({d["customer_type_id"] for d in docs if d.get("customer_type_id")})
        billed = await database["customers"].find(
            {"org_id": org_id, "_id": {"$in": billing_ids}}).to_list()
        types = await database["customer_types"].find(
            {"org_id": org_id, "_id": {"$in": type_ids}}).to_list()
        orjson.dumps({"docs": docs[:50], "billed": billed, "types": types}, default=str)

    one_ms: dict[str, list[float]] = {label: [] for label in [*services, "raw find_one"]}
    page_cpu: dict[str, list[float]] = {label: [] for label in [*services, "raw"]}
    for round_number in range(rounds):
        for label in [*services, "raw find_one"]:
            latencies = []
            for _ in range(requests):
                customer_id = rng.choice(ids)
                started = time.perf_counter()
                if label in https:
                    await graphql(https[label], ONE_QUERY,
                                  {"id": to_global_id("Customer", customer_id)})
                else:
                    await raw_one(customer_id)
                latencies.append(time.perf_counter() - started)
            one_ms[label].append(statistics.median(latencies) * 1000)
        for label in [*services, "raw"]:
            if label in https:
                pid = services[label][1].pid
                cpu = _cpu_seconds(pid)
                for _ in range(requests):
                    await graphql(https[label], PAGE_QUERY, {"first": 50})
                page_cpu[label].append((_cpu_seconds(pid) - cpu) / requests * 1000)
            else:
                cpu = time.process_time()
                for _ in range(requests):
                    await raw_page()
                page_cpu[label].append((time.process_time() - cpu) / requests * 1000)
        print(f"  round {round_number + 1}/{rounds}: one by id p50 "
              + ", ".join(f"{k} {v[-1]:.2f} ms" for k, v in one_ms.items())
              + "; page CPU " + ", ".join(f"{k} {v[-1]:.2f} ms" for k, v in page_cpu.items()),
              flush=True)
    for http in https.values():
        await http.aclose()

    raw_one_ms = statistics.median(one_ms["raw find_one"])
    raw_page_ms = statistics.median(page_cpu["raw"])
    print(f"\none user, medians of {rounds} rounds of {requests} requests each")
    print(f"  raw find_one p50 {raw_one_ms:.2f} ms; raw PyMongo + orjson page CPU "
          f"{raw_page_ms:.2f} ms")
    for label in services:
        one = statistics.median(one_ms[label])
        cpu = statistics.median(page_cpu[label])
        print(f"  {label:<7} one customer by id p50 {one:6.2f} ms = x{one / raw_one_ms:5.2f} "
              f"raw find_one (goal <= 3);  page of 50 service CPU {cpu:6.2f} ms = "
              f"x{cpu / raw_page_ms:5.2f} raw PyMongo + orjson (goal <= 3)")
    # The machine's load moves every figure between rounds: each round's own ratio
    # (measured within seconds of its baseline) is the steadier figure.
    print("median of each round's own ratio")
    for label in services:
        one_ratio = statistics.median(
            a / b for a, b in zip(one_ms[label], one_ms["raw find_one"], strict=True))
        cpu_ratio = statistics.median(
            a / b for a, b in zip(page_cpu[label], page_cpu["raw"], strict=True))
        print(f"  {label:<7} one customer by id x{one_ratio:5.2f} raw find_one;  "
              f"page of 50 service CPU x{cpu_ratio:5.2f} raw PyMongo + orjson")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--workers", default="1",
                        help="service processes to compare, comma-separated (e.g. 1,2)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved turns (each --workers count; one-user ratios)")
    parser.add_argument("--before", help="also measure the service at this git commit "
                        "(one-user ratios)")
    parser.add_argument("--requests", type=int, default=100,
                        help="requests per round and read (one user)")
    parser.add_argument("--one-user-only", action="store_true",
                        help="skip the concurrency-8 figures")
    args = parser.parse_args()
    workers = [int(n) for n in args.workers.split(",")]

    with embedded_database() as uri:
        started = time.perf_counter()
        key, ids = await seed(uri, args.customers)
        print(f"seeded {args.customers} customers x 3 sites in "
              f"{time.perf_counter() - started:.1f}s", flush=True)
        if not args.one_user_only:
            await run(uri, key, ids, args.seconds, workers, args.rounds)
        print("\none user (issue 13.3), interleaved rounds", flush=True)
        await one_user(uri, key, ids, args.before, args.rounds, args.requests)


def database_pid() -> int:
    """The embedded server embedded_database() started, a child of this process."""
    (pid,) = [child for child in descendants(os.getpid())
              if "secantus" in Path(f"/proc/{child}/cmdline").read_text()]
    return pid


def started(log_file: str) -> int:
    """Service processes that have logged their startup."""
    return Path(log_file).read_text().count("Application startup complete")


async def serve_and_measure(
    uri: str, key: str, ids: list[PydanticObjectId], seconds: float, workers: int
) -> dict[str, dict[str, float]]:
    port = free_port()
    env = {**os.environ, "MONGODB_URI": uri, "SITEBOOK_DATABASE": DATABASE,
           # Measure slow reads on a busy machine rather than have them stopped.
           "SITEBOOK_READ_TIMEOUT_SECONDS": "120"}
    with tempfile.NamedTemporaryFile("w+") as log:
        service = subprocess.Popen(  # noqa: ASYNC220 - our own console script
            [str(Path(sys.executable).parent / "sitebook"), "serve", "--port", str(port),
             "--workers", str(workers)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            async with httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{port}", timeout=30,
                    limits=httpx.Limits(max_connections=CONCURRENCY)) as http:
                await until_ready(http)
                # Every process up before the clock starts (readyz answers from the first).
                for _ in range(1200):
                    if started(log.name) >= workers:
                        break
                    await asyncio.sleep(0.1)
                print(f"\nGraphQL over HTTP (uvicorn), {workers} service process(es), "
                      f"concurrency {CONCURRENCY}, {seconds:.0f}s each", flush=True)
                probe = CpuProbe(service.pid, database_pid())
                return {label: await measure(label, seconds, call, probe)
                        for label, call in graphql_calls(http, key, ids).items()}
        finally:
            service.terminate()
            service.wait()


async def run(uri: str, key: str, ids: list[PydanticObjectId], seconds: float,
              workers: list[int], rounds: int) -> None:
    turns: dict[int, list[dict[str, dict[str, float]]]] = {n: [] for n in workers}
    for _ in range(rounds):
        for n in workers:  # interleaved: the machine's other load falls on each alike
            turns[n].append(await serve_and_measure(uri, key, ids, seconds, n))
    medians = {n: {label: {figure: statistics.median(turn[label][figure] for turn in runs)
                           for figure in runs[0][label]}
                   for label in runs[0]}
               for n, runs in turns.items()}
    graphql = medians[workers[0]]
    if len(workers) > 1:
        print(f"\nservice processes compared, medians of {rounds} interleaved round(s); "
              f"cpu in ms per request")
        for label in graphql:
            for n in workers:
                m = medians[n][label]
                print(f"  {label:<26} x{n}  p50 {m['p50']:8.2f} ms  p99 {m['p99']:8.2f} ms  "
                      f"{m['rps']:7.1f} req/s ({m['rps'] / graphql[label]['rps']:4.2f}x)  "
                      f"cpu service {m['cpu service']:5.1f}  database "
                      f"{m['cpu database']:5.1f}  client {m['cpu client']:5.1f}")

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

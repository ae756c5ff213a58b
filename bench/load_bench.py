"""Load: 32 concurrent clients on loopback for 60 s, mixing customer pages, site
searches, single customers and mutations, first alone and then while a
50,000-row import runs in a `sitebook worker` process, as deployed. Prints
p50/p99 per operation in both phases, the errors (any non-200 answer or GraphQL
error; the target is none), and how much the import slows reads: the ratio of
read p99 with the import to p99 without (target within 2x). Not a test: it
prints figures.

    .venv/bin/python bench/load_bench.py [--clients 32] [--seconds 60]
        [--customers 10000] [--import-rows 50000]
"""

import argparse
import asyncio
import csv
import io
import json
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from beanie import PydanticObjectId
from embedded import embedded_database, until_ready
from query_bench import ONE_QUERY, PAGE_QUERY, SEARCH_QUERY, SUBURBS, seed

from app.embedded import free_port
from schema.ids import to_global_id

DATABASE = "sitebook_bench"
READS = ("customer page", "site search", "one customer")
CREATE = ('mutation($input: CustomerInput!) { customerCreate(input: $input) '
          "{ customer { id } userErrors { code message } } }")
IMPORT = ('mutation($file: Upload!) { importFile(file: $file, input: {entity: CUSTOMERS}) '
          "{ job { id } userErrors { message } } }")
JOB = "query($id: ID!) { importJob(id: $id) { status progress { processedRows } } }"
# The mix a CRM screen makes: mostly single records and pages, some searches and edits.
MIX = [("one customer", 40), ("customer page", 30), ("site search", 20), ("create", 10)]


def import_file(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Customer Name", "Email", "Phone", "Suburb"])
    for n in range(rows):
        writer.writerow([f"Imported {n:06d}", f"imported{n}@example.com",
                         f"+6172{n:07d}", SUBURBS[n % len(SUBURBS)]])
    return out.getvalue().encode()


class Load:
    def __init__(self, http: httpx.AsyncClient, key: str, ids: list[PydanticObjectId]) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {key}"}
        self.ids = ids
        self.rng = random.Random(3)
        self.created = 0

    async def call(self, operation: str) -> None:
        variables: dict[str, Any]
        if operation == "one customer":
            query, variables = ONE_QUERY, {"id": to_global_id("Customer",
                                                              self.rng.choice(self.ids))}
        elif operation == "customer page":
            query, variables = PAGE_QUERY, {"first": 50}
        elif operation == "site search":
            query, variables = SEARCH_QUERY, {"q": self.rng.choice(SUBURBS)[:5]}
        else:
            self.created += 1
            query, variables = CREATE, {"input": {"name": f"Load {time.time_ns()}",
                                                  "email": f"load{self.created}@example.com"}}
        response = await self.http.post("/graphql", json={"query": query, "variables": variables},
                                        headers=self.headers)
        body = response.json()
        if response.status_code != 200 or "errors" in body:
            raise RuntimeError(f"{operation}: HTTP {response.status_code} {body}")
        if operation == "create" and body["data"]["customerCreate"]["userErrors"]:
            raise RuntimeError(f"{operation}: {body['data']['customerCreate']['userErrors']}")

    async def run(self, clients: int, seconds: float) -> tuple[dict[str, list[float]], list[str]]:
        latencies: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        deadline = time.perf_counter() + seconds
        operations = [name for name, _ in MIX]
        weights = [weight for _, weight in MIX]

        async def client() -> None:
            while time.perf_counter() < deadline:
                operation = self.rng.choices(operations, weights)[0]
                started = time.perf_counter()
                try:
                    await self.call(operation)
                except (RuntimeError, httpx.HTTPError, ValueError) as exc:
                    errors.append(str(exc)[:300])
                    continue
                latencies[operation].append(time.perf_counter() - started)

        await asyncio.gather(*(client() for _ in range(clients)))
        return latencies, errors


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * fraction) - 1)] * 1000


def report(label: str, latencies: dict[str, list[float]], errors: list[str],
           seconds: float) -> None:
    total = sum(len(v) for v in latencies.values())
    print(f"\n{label}: {total} requests in {seconds:.0f}s ({total / seconds:.1f}/s), "
          f"errors {len(errors)}", flush=True)
    for operation, _ in MIX:
        values = latencies.get(operation, [])
        if values:
            print(f"  {operation:<14} n={len(values):<6} p50 {percentile(values, 0.5):8.1f} ms"
                  f"  p99 {percentile(values, 0.99):8.1f} ms", flush=True)
    for error in errors[:5]:
        print(f"  error: {error}")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--import-rows", type=int, default=50_000)
    args = parser.parse_args()
    with embedded_database() as uri:
        key, ids = await seed(uri, args.customers)
        await measure(uri, key, ids, args)


async def measure(uri: str, key: str, ids: list[PydanticObjectId],
                  args: argparse.Namespace) -> None:
    port = free_port()
    # As deployed (docker-compose.yml): the import worker is a process of its own.
    env = {**os.environ, "MONGODB_URI": uri, "SITEBOOK_DATABASE": DATABASE,
           "SITEBOOK_IMPORT_WORKERS": "0"}
    sitebook = str(Path(sys.executable).parent / "sitebook")
    service = subprocess.Popen(  # noqa: ASYNC220 - our own console script, started once
        [sitebook, "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen(  # noqa: ASYNC220
        [sitebook, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        limits = httpx.Limits(max_connections=args.clients + 2)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120,
                                     limits=limits) as http:
            await until_ready(http)
            load = Load(http, key, ids)
            print(f"{args.clients} clients, {args.seconds:.0f}s per phase, "
                  f"{args.customers} customers x 3 sites seeded", flush=True)
            quiet, quiet_errors = await load.run(args.clients, args.seconds)
            report("without an import", quiet, quiet_errors, args.seconds)

            data = import_file(args.import_rows)
            response = await http.post(
                "/graphql", files={"0": ("load.csv", data, "text/csv")},
                data={"operations": json.dumps({"query": IMPORT, "variables": {"file": None}}),
                      "map": '{"0": ["variables.file"]}'},
                headers={**load.headers, "GraphQL-Require-Preflight": "1"})
            job_id = response.json()["data"]["importFile"]["job"]["id"]
            busy, busy_errors = await load.run(args.clients, args.seconds)
            job = (await http.post("/graphql", headers=load.headers, json={
                "query": JOB, "variables": {"id": job_id}})).json()["data"]["importJob"]
            report(f"while importing {args.import_rows:,} rows ({job['status']}, "
                   f"{job['progress']['processedRows']:,} rows done by the end)",
                   busy, busy_errors, args.seconds)
    finally:
        for process in (worker, service):
            process.terminate()
            process.wait()

    print("\nread p99 with the import / without (target within 2x)")
    for operation in READS:
        ratio = percentile(busy[operation], 0.99) / percentile(quiet[operation], 0.99)
        print(f"  {operation:<14} x{ratio:5.2f}")
    print(f"errors: {len(quiet_errors) + len(busy_errors)} (target 0)")


if __name__ == "__main__":
    asyncio.run(main())

"""Export speed and memory. Not a test: it prints figures.

    .venv/bin/python bench/export_bench.py [--customers 50000] [--rounds 3]

Seeds an organization (one embedded SecantusDB for the run) with customers
that each have a site, a contact, lookups, an account number and a custom
field (every tenth one billed through another customer). Then, each in a
process of its own so that each peak RSS is its own:

- the raw read: PyMongo iterating every customer document of the org (the
  ceiling: the same documents, decoded, nothing done with them);
- the CUSTOMERS export as XLSX and as CSV through the export worker (reads,
  cells, file, GridFS), rows/s and the process's peak RSS;

first at half the customers, then at all of them: a flat peak RSS means the
export streams. The three run interleaved, `--rounds` times (raw, XLSX, CSV,
raw, XLSX, ...), and each export's figure is the median of its rounds' ratios
to the raw read of the same round: the machine may be shared, and a busy
moment slows one round of all three, not one of them.
"""

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from beanie import PydanticObjectId
from embedded import embedded_database
from pymongo.errors import BulkWriteError

from app.database import Database
from app.settings import Settings
from documents.customer import Address, BillingArrangement, Contact, Customer, Site
from documents.export_job import ExportFormat, ExportJob
from documents.lookups import CustomerType, LeadSource
from documents.organization import Organization
from documents.text import name_key
from resolvers.export_worker import ExportRun, claim_export
from resolvers.name_order import rebuild_fences

DATABASE = "sitebook_export_bench"
SUBURBS = ["Springfield", "Riverside", "Hillcrest", "Lakeside", "Fairview", "Oakwood"]


def _settings(uri: str) -> Settings:
    return Settings(MONGODB_URI=uri, SITEBOOK_DATABASE=DATABASE)


def customer(n: int, org_id: Any, types: list[Any], sources: list[Any],
             billing_ids: dict[int, Any]) -> dict[str, Any]:
    name = f"Customer {n:06d}"
    doc = Customer(
        id=billing_ids.get(n) or PydanticObjectId(), org_id=org_id, name=name,
        name_key=name_key(name),
        company_name=f"Company {n:06d} Pty", first_name="Ann", last_name=f"Lee{n}",
        email=f"c{n}@example.com", phone=f"+617{n % 100000000:08d}", mobile=f"+61412{n:06d}",
        account_number=f"AC{n:06d}", customer_type_id=types[n % len(types)],
        lead_source_id=sources[n % len(sources)],
        site_address=Address(line1=f"{n % 300 + 1} High St", suburb=SUBURBS[n % 6],
                             state="QLD", postcode=str(4000 + n % 300), country="Australia"),
        billing_same_as_site=True,
        billing=BillingArrangement(billing_customer_id=billing_ids[n - n % 10],
                                   account_number=f"T-{n}") if n % 10 else None,
        custom_fields={"Gate Code": str(n % 9999)},
        sites=[Site(name="Main", address=Address(line1=f"{n} Main Rd", suburb=SUBURBS[n % 6]))],
        contacts=[Contact(first_name="Sam", last_name=f"Ng{n}", email=f"s{n}@example.com",
                          is_primary=True)],
    )
    doc.prepare_for_save()
    return doc.to_mongo()


async def seed(uri: str, start: int, stop: int) -> str:
    """Customers start..stop of the bench org (created with its lookups at 0)."""
    database = Database(_settings(uri))
    await database.open()
    try:
        org = await Organization.find_one({"slug": "bench"})
        if org is None:
            org = Organization(slug="bench", name="Bench")
            await org.insert()
            for document, names in ((CustomerType, ["Residential", "Commercial", "Strata"]),
                                    (LeadSource, ["Google", "Referral"])):
                await document.collection().insert_many([
                    document(id=PydanticObjectId(), org_id=org.id, name=n,
                             name_key=name_key(n)).to_mongo()
                    for n in names])
        assert org.id is not None
        types = [t.id for t in await CustomerType.find_in(org.id)]
        sources = [s.id for s in await LeadSource.find_in(org.id)]
        billing_ids = {n: PydanticObjectId() for n in range(start - start % 10, stop, 10)}
        for low in range(start, stop, 5000):
            batch = [customer(n, org.id, types, sources, billing_ids)
                     for n in range(low, min(low + 5000, stop))]
            try:
                await Customer.collection().insert_many(batch, ordered=False)
            except BulkWriteError as error:  # a batch sent again after a timeout: already in
                if any(e["code"] != 11000 for e in error.details["writeErrors"]):
                    raise
        # As imports leave them (they note what they add; a list rebuilds stale fences).
        await rebuild_fences(org.id)
        return str(org.id)
    finally:
        await database.close()


def peak_rss_mb() -> float:
    """This process's own peak RSS. Not getrusage's ru_maxrss: Linux keeps the
    parent's across exec, so every child would report the seeding parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def child(uri: str, org_id: str, task: str) -> dict[str, float]:
    """One measurement in this process: the raw read, or an export."""
    from bson import ObjectId
    database = Database(_settings(uri))
    await database.open()
    try:
        started = time.perf_counter()
        if task == "raw":
            cursor = Customer.collection().find({"org_id": ObjectId(org_id)}, batch_size=1000)
            rows = 0
            async for _ in cursor:
                rows += 1
        else:
            job = ExportJob(id=PydanticObjectId(), org_id=ObjectId(org_id), entity="CUSTOMERS",
                            format=ExportFormat(task))
            await ExportJob.collection().insert_one(job.to_mongo())
            claimed = await claim_export("bench", job_id=job.id)
            assert claimed is not None
            await ExportRun(claimed, database.db).run()
            done = await ExportJob.get(job.id)
            assert done is not None
            assert done.status.value == "SUCCEEDED", done.failure_reason
            rows = done.rows
        seconds = time.perf_counter() - started
        peak_mb = peak_rss_mb()
        return {"rows": rows, "seconds": seconds, "peak_mb": peak_mb}
    finally:
        await database.close()


def measure(uri: str, org_id: str, task: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", task, "--uri", uri,
                          "--org-id", org_id], check=False, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{task} failed:\n{out.stderr}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child")
    parser.add_argument("--uri")
    parser.add_argument("--org-id")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(args.uri, args.org_id, args.child))))
        return
    total = args.customers
    peaks: dict[str, list[float]] = {}
    with embedded_database() as uri:
        seeded = 0
        for size in (total // 2, total):
            org_id = asyncio.run(seed(uri, seeded, size))
            seeded = size
            print(f"{size:,} customers (each with a site, a contact, lookups, a custom field); "
                  f"{args.rounds} interleaved rounds, medians", flush=True)
            runs: dict[str, list[dict[str, float]]] = {"raw": [], "XLSX": [], "CSV": []}
            for _ in range(args.rounds):
                for task, results in runs.items():
                    got = measure(uri, org_id, task)
                    assert got["rows"] == size, got
                    results.append(got)
            raw = [r["rows"] / r["seconds"] for r in runs["raw"]]
            print(f"  raw read       {statistics.median(raw):9,.0f} rows/s  "
                  f"peak RSS {statistics.median(r['peak_mb'] for r in runs['raw']):.0f} MB",
                  flush=True)
            for task in ("XLSX", "CSV"):
                rates = [r["rows"] / r["seconds"] for r in runs[task]]
                ratios = [rate / base for rate, base in zip(rates, raw, strict=True)]
                peak = statistics.median(r["peak_mb"] for r in runs[task])
                peaks.setdefault(task, []).append(peak)
                print(f"  export {task:<6}  {statistics.median(rates):9,.0f} rows/s  "
                      f"{statistics.median(ratios):.2f} of the raw read "
                      f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)}); "
                      f"peak RSS {peak:.0f} MB", flush=True)
    for task, (half, whole) in peaks.items():
        print(f"{task} peak RSS from {total // 2:,} to {total:,} customers: "
              f"{whole - half:+.0f} MB")


if __name__ == "__main__":
    main()

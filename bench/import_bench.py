"""Import speed: end to end through the HTTP API against the database ceiling,
a naive per-row baseline, and the pipeline alone. Not a test: it prints figures.

    .venv/bin/python bench/import_bench.py [--customers 50000] [--sites 100000] [--lines 100000]

Generates a customers XLSX (15 columns, lookups included) and a sites CSV
linked to it; imports each through `sitebook serve` (uvicorn, embedded
database, in-process worker), timing upload to finished job. In the same run:
(a) the ceiling: raw PyMongo bulk_write of the very documents the imports
stored, into the same server, into a collection with the same indexes;
(b) naive: per-row Beanie find-by-name then save of the same documents, on
2,000 rows;
(c) the pipeline alone: read, map, coerce and validate, no database. Then a
product lines CSV of --lines rows (half new, half renewing them) against its
own ceiling (the stored lines, bulk-written the same way). Then the
peak RSS of the importing process after a sites file of --sites rows and one
twice that size.
"""

import argparse
import asyncio
import contextlib
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from embedded import embedded_database
from openpyxl import Workbook
from pymongo import ASCENDING, IndexModel, InsertOne, ReplaceOne

from app.database import Database
from app.embedded import free_port
from app.settings import Settings
from documents import phone_fast_path
from documents.customer import Customer
from documents.import_job import MappedColumn
from documents.product import ProductLine
from importers.fields import Entity
from importers.mapping import suggest
from importers.readers import open_rows
from importers.rows import read_row

DATABASE = "sitebook_import_bench"
SUBURBS = ["Springfield", "Riverside", "Hillcrest", "Lakeside", "Fairview", "Oakwood"]
CUSTOMER_HEADERS = ["Customer Name", "Company Name", "First Name", "Last Name", "Email",
                    "Phone", "Mobile", "Customer Type", "Lead Source", "Payment Term",
                    "Address Line 1", "Suburb", "State", "Postcode", "Account Number"]
SITE_HEADERS = ["Site Name", "Address Line 1", "Suburb", "Postcode", "Billing Customer"]


def customer_row(n: int) -> list[Any]:
    return [f"Customer {n:06d}", f"Company {n:06d} Pty", "Ann", f"Lee{n}", f"c{n}@example.com",
            f"07 3{n % 1000:03d} {n % 10000:04d}", f"0412 {n % 1000:03d} {n % 1000:03d}",
            ["Residential", "Commercial", "Strata"][n % 3], ["Google", "Referral"][n % 2],
            "Net 30", f"{n % 300 + 1} High St", SUBURBS[n % 6], "QLD", str(4000 + n % 300),
            f"AC{n:06d}"]


def customers_xlsx(count: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Customers")
    sheet.append(CUSTOMER_HEADERS)
    for n in range(count):
        sheet.append(customer_row(n))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sites_csv(count: int, customers: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(SITE_HEADERS)
    for n in range(count):
        owner = n % customers
        writer.writerow([f"Site {n // customers + 1}", f"{n} Main Rd",
                         SUBURBS[n % 6], str(4000 + n % 300), f"Customer {owner:06d}"])
    return buffer.getvalue().encode()


PRODUCT_COUNT = 20
LINE_HEADERS = ["ID", "Customer", "Opportunity", "Product", "Renewal", "Quantity",
                "Billing Date", "Custom Billing"]


def products_csv() -> bytes:
    rows = [["Import ID", "Product Name", "Recurring", "Unit Price", "Term Months"]]
    rows += [[f"P{p:02d}", f"Product {p}", "yes" if p % 2 else "no", f"{100 + p}.50", "12"]
             for p in range(PRODUCT_COUNT)]
    return "\n".join(",".join(row) for row in rows).encode()


def lines_csv(count: int, customers: int) -> bytes:
    """The first half new lines, each (customer, product) once; the second half
    renews them one for one, a year later.
    """
    half = count // 2
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(LINE_HEADERS)
    for n in range(count):
        first = n % half
        customer, product = first % customers, (first // customers) % PRODUCT_COUNT
        writer.writerow([f"L{n:07d}", f"Customer {customer:06d}", f"OPP-{first // 7}",
                         f"P{product:02d}", "true" if n >= half else "false", str(n % 5 + 1),
                         f"{2025 + n // half}-{first % 12 + 1:02d}-15",
                         "quarterly" if n % 10 == 0 and product % 2 else ""])
    return buffer.getvalue().encode()


def pipeline_phones(customers: int, rounds: int) -> None:
    """Rows/s of the customers pipeline alone with the phone fast path, and
    with every phone read by phonenumbers (as before it), interleaved.
    """
    data = customers_xlsx(customers)
    rates: dict[str, list[float]] = {"phonenumbers only": [], "fast path": []}
    for _ in range(rounds):
        for label in rates:
            fast = phone_fast_path.e164
            if label == "phonenumbers only":
                phone_fast_path.e164 = lambda typed, region: None  # type: ignore[assignment]
            try:
                rates[label].append(pipeline_alone(data, Entity.CUSTOMERS))
            finally:
                phone_fast_path.e164 = fast  # type: ignore[assignment]
    print(f"pipeline alone, customers XLSX of {customers:,} rows, median of {rounds} "
          "interleaved rounds:")
    for label, values in rates.items():
        print(f"  {label:18}: {statistics.median(values):8,.0f} rows/s "
              f"({', '.join(f'{v:,.0f}' for v in values)})")
    before, after = (statistics.median(v) for v in rates.values())
    print(f"  fast path / phonenumbers only: {after / before:.2f}x")


def pipeline_alone(data: bytes, entity: Entity) -> float:
    """Rows/s of read + map + coerce + validate, no database."""
    started = time.perf_counter()
    rows = open_rows(data).rows
    headers = [str(c) for c in next(rows)]
    mapping = [MappedColumn(column=m.column, field=m.field) for m in suggest(entity, headers)]
    count = 0
    for number, cells in enumerate(rows, start=2):
        read_row(entity, mapping, headers, number, cells, "AU")
        count += 1
    return count / (time.perf_counter() - started)


# The customers' indexes before the index diet (issue 13), kept here so the
# ceiling can be measured with them and with the model's own in the same run.
INDEXES_BEFORE_DIET = [
    IndexModel([("org_id", ASCENDING), ("name_key", ASCENDING)], unique=True),
    IndexModel([("org_id", ASCENDING), ("account_key", ASCENDING)], unique=True,
               partialFilterExpression={"account_key": {"$type": "string"}}),
    IndexModel([("org_id", ASCENDING), ("_id", ASCENDING), ("version", ASCENDING)]),
    IndexModel([("org_id", ASCENDING), ("search_tokens", ASCENDING)]),
    IndexModel([("org_id", ASCENDING), ("updated_at", ASCENDING)]),
    IndexModel([("org_id", ASCENDING), ("billing.billing_customer_id", ASCENDING)]),
    IndexModel([("org_id", ASCENDING), ("customer_type_id", ASCENDING)]),
    IndexModel([("org_id", ASCENDING), ("lead_source_id", ASCENDING)]),
    IndexModel([("org_id", ASCENDING), ("assigned_user_id", ASCENDING)]),
    IndexModel([("org_id", ASCENDING), ("sites._id", ASCENDING)]),
    IndexModel([("org_id", ASCENDING), ("contacts._id", ASCENDING)]),
    IndexModel([("org_id", ASCENDING), ("equipment._id", ASCENDING)]),
]


def server_cpu_seconds(uri: str) -> float:
    """CPU time so far of the embedded server listening at `uri` (0 if not found):
    steadier than wall time on a busy machine.
    """
    port = uri.rsplit(":", 1)[1].split("/")[0]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            argv = Path(f"/proc/{pid}/cmdline").read_text().split("\0")
            if "secantus" in argv and port in argv:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


CPU_MS_PER_ROW: list[tuple[float, float]] = []  # (customers, sites) of each ceiling run


async def ceiling(uri: str, sites: int,
                  indexes: list[IndexModel] | None = None) -> tuple[float, float]:
    """Rows/s of raw bulk_write of the very documents the imports stored, into a
    collection with the same indexes (or `indexes`), 1,000 per batch: each
    customer as the customers import wrote it, then for each site row its
    customer with the sites so far, replaced (filtered as the import filters:
    id first, see TenantDocument.scoped). Documents are built before the clock
    starts: this is the database's share alone.
    """
    database = Database(Settings(MONGODB_URI=uri, SITEBOOK_DATABASE=DATABASE))
    await database.open()
    stored = await Customer.find_all().sort("_id").to_list()  # as imported, in file order
    collection = Customer.get_pymongo_collection().database["ceiling_customers"]
    await collection.drop()
    await collection.create_indexes(Customer.Settings.indexes if indexes is None else indexes)
    final_sites = {c.id: c.sites for c in stored}
    for customer in stored:
        customer.sites = []
        customer.prepare_for_save()
    inserts = [InsertOne(c.to_mongo()) for c in stored]
    started, cpu = time.perf_counter(), server_cpu_seconds(uri)
    for start in range(0, len(inserts), 1000):
        await collection.bulk_write(inserts[start:start + 1000], ordered=False)
    customer_rate = len(inserts) / (time.perf_counter() - started)
    customer_cpu = (server_cpu_seconds(uri) - cpu) / len(inserts) * 1000
    replaces = []
    for n in range(sites):  # the sites file names customer n % customers for row n
        owner = stored[n % len(stored)]
        owner.sites.append(final_sites[owner.id][len(owner.sites)])
        owner.prepare_for_save()
        replaces.append(ReplaceOne(Customer.scoped(owner.org_id, {"_id": owner.id}),
                                   owner.to_mongo()))
    started, cpu = time.perf_counter(), server_cpu_seconds(uri)
    for start in range(0, sites, 1000):
        await collection.bulk_write(replaces[start:start + 1000], ordered=False)
    site_rate = sites / (time.perf_counter() - started)
    CPU_MS_PER_ROW.append((customer_cpu, (server_cpu_seconds(uri) - cpu) / sites * 1000))
    await collection.drop()
    await database.close()
    return customer_rate, site_rate


def ceilings_before_and_after_diet(uri: str, sites: int, rounds: int) -> tuple[float, float]:
    """The customers and sites ceilings with the indexes before the diet and
    with the model's, alternating in the same run; prints medians and ratios
    and returns the model's (customers, sites) medians.
    """
    runs: dict[str, list[tuple[float, float]]] = {"before the diet": [], "the model's": []}
    cpu: dict[str, list[tuple[float, float]]] = {"before the diet": [], "the model's": []}
    for _ in range(rounds):
        for label, indexes in (("before the diet", INDEXES_BEFORE_DIET), ("the model's", None)):
            runs[label].append(asyncio.run(ceiling(uri, sites, indexes)))
            cpu[label].append(CPU_MS_PER_ROW[-1])
    medians = {label: (statistics.median(r[0] for r in results),
                       statistics.median(r[1] for r in results))
               for label, results in runs.items()}
    cpu_medians = {label: (statistics.median(r[0] for r in results),
                           statistics.median(r[1] for r in results))
                   for label, results in cpu.items()}
    print(f"\n(a) database ceiling by index set (median of {rounds} alternating rounds; "
          "database CPU per row)")
    for label, (customers, site_rows) in medians.items():
        count = len(INDEXES_BEFORE_DIET if label == "before the diet"
                    else Customer.Settings.indexes)
        customer_cpu, site_cpu = cpu_medians[label]
        print(f"  {label:16} ({count:2} indexes + _id): customers {customers:,.0f} rows/s "
              f"({customer_cpu:.2f} ms); sites {site_rows:,.0f} rows/s ({site_cpu:.2f} ms)",
              flush=True)
    before, after = medians["before the diet"], medians["the model's"]
    before_cpu, after_cpu = cpu_medians["before the diet"], cpu_medians["the model's"]
    print(f"  model / before the diet: customers {after[0] / before[0]:.2f}x "
          f"(CPU {before_cpu[0] / after_cpu[0]:.2f}x less); sites {after[1] / before[1]:.2f}x "
          f"(CPU {before_cpu[1] / after_cpu[1]:.2f}x less)", flush=True)
    return after


async def lines_ceiling(uri: str) -> float:
    """Rows/s of raw bulk_write of the product lines the import stored, 1,000 rows
    per batch into a collection with the same indexes: each line inserted as it
    was written, and for a renewal the line it renews replaced with its link.
    """
    database = Database(Settings(MONGODB_URI=uri, SITEBOOK_DATABASE=DATABASE))
    await database.open()
    stored = await ProductLine.find_all().sort("seq").to_list()
    collection = ProductLine.get_pymongo_collection().database["ceiling_lines"]
    await collection.create_indexes(ProductLine.Settings.indexes)
    by_id = {line.id: line for line in stored}
    batches: list[list[InsertOne[Any] | ReplaceOne[Any]]] = []
    for start in range(0, len(stored), 1000):
        batch: list[InsertOne[Any] | ReplaceOne[Any]] = []
        for line in stored[start:start + 1000]:
            batch.append(InsertOne({**line.to_mongo(), "renewed_by_id": None}))
            if line.renews_id is not None:
                batch.append(ReplaceOne({"org_id": line.org_id, "_id": line.renews_id},
                                        by_id[line.renews_id].to_mongo()))
        batches.append(batch)
    started = time.perf_counter()
    for batch in batches:
        await collection.bulk_write(batch, ordered=False)
    rate = len(stored) / (time.perf_counter() - started)
    await collection.drop()
    await database.close()
    return rate


async def naive(uri: str, rows: int) -> float:
    """Rows/s of per-row Beanie find-by-name then save, of the first `rows`
    customers as the import stored them, into an empty database.
    """
    database = Database(Settings(MONGODB_URI=uri, SITEBOOK_DATABASE=DATABASE))
    await database.open()
    documents = await Customer.find_all().sort("_id").limit(rows).to_list()
    await database.close()
    database = Database(Settings(MONGODB_URI=uri, SITEBOOK_DATABASE=DATABASE + "_naive"))
    await database.open()
    started = time.perf_counter()
    for document in documents:
        found = await Customer.find_one({"org_id": document.org_id,
                                         "name_key": document.name_key})
        customer = found or document.model_copy(update={"sites": []})
        customer.prepare_for_save()
        await customer.save()
    rate = len(documents) / (time.perf_counter() - started)
    assert database.client is not None
    await database.client.drop_database(DATABASE + "_naive")
    await database.close()
    return rate


def import_over_http(port: int, key: str, data: bytes, name: str, entity: str) -> dict[str, Any]:
    operations = json.dumps({"query": "mutation($file: Upload!, $input: ImportFileInput!) { "
                             "importFile(file: $file, input: $input) { job { id } "
                             "userErrors { message } } }",
                             "variables": {"file": None, "input": {"entity": entity}}})
    headers = {"Authorization": f"Bearer {key}", "GraphQL-Require-Preflight": "1"}
    started = time.perf_counter()
    response = httpx.post(f"http://127.0.0.1:{port}/graphql", headers=headers, timeout=600,
                          data={"operations": operations, "map": '{"0": ["variables.file"]}'},
                          files={"0": (name, data, "application/octet-stream")})
    job_id = response.json()["data"]["importFile"]["job"]["id"]
    query = ("query($id: ID!) { importJob(id: $id) { status failureReason totals { rows "
             "created updated unchanged failed } } }")
    while True:
        body = httpx.post(f"http://127.0.0.1:{port}/graphql", headers=headers, timeout=60,
                          json={"query": query, "variables": {"id": job_id}}).json()
        job: dict[str, Any] = body["data"]["importJob"]
        if job["status"] not in ("QUEUED", "RUNNING"):
            break
        time.sleep(0.2)
    job["seconds"] = time.perf_counter() - started
    return job


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--sites", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--only-big-customer", action="store_true",
                        help="only the case of one customer with 500 and 5,000 sites")
    parser.add_argument("--only-phones", action="store_true",
                        help="only the pipeline alone, with and without the phone fast path")
    parser.add_argument("--only-ceilings", action="store_true",
                        help="only the database ceilings with the indexes before the diet "
                             "and with the model's")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.only_phones:
        pipeline_phones(args.customers, args.rounds)
        return
    with embedded_database() as uri:
        if args.only_big_customer:
            with serving(uri) as (port, key, _):
                big_customer(port, key)
        elif args.only_ceilings:
            only_ceilings(uri, args.customers, args.sites, args.rounds)
        else:
            run(uri, args.customers, args.sites, args.lines)


def big_customer(port: int, key: str) -> None:
    """A property manager with many sites: seconds per 1,000 sites imported into
    one customer that has 500, then 5,000 of them. Linear: the two are alike.
    """
    print("\none customer with many sites (sites CSV over HTTP)", flush=True)
    for count in (500, 5_000):
        name = f"Big Manager {count}"
        import_over_http(port, key, f"Customer Name\r\n{name}\r\n".encode(), "c.csv",
                         "CUSTOMERS")
        rows = ["Site Name,Address Line 1,Suburb,Postcode,Billing Customer"] + [
            f"Site {n},{n} Long Rd,Suburb {n % 97},{2000 + n % 900},{name}"
            for n in range(count)]
        for what in ("added", "imported again (all unchanged)"):
            job = import_over_http(port, key, "\r\n".join(rows).encode(), "sites.csv", "SITES")
            print(f"  {count:>5,} sites {what}: {job['status']} {job['totals']} in "
                  f"{job['seconds']:.1f}s = {job['seconds'] / count * 1000:.2f} s per 1,000 "
                  "sites", flush=True)


@contextlib.contextmanager
def serving(uri: str) -> Iterator[tuple[int, str, int]]:
    """`sitebook serve` on the embedded database, with an org and an admin key."""
    env = {**os.environ, "MONGODB_URI": uri, "SITEBOOK_DATABASE": DATABASE}
    sitebook = str(Path(sys.executable).parent / "sitebook")
    run_cli = {"env": env, "capture_output": True, "text": True, "check": True}
    subprocess.run([sitebook, "org", "create", "bench"], **run_cli)  # type: ignore[call-overload]
    key = subprocess.run([sitebook, "apikey", "create", "--org", "bench", "--role", "admin"],
                         **run_cli).stdout.strip()  # type: ignore[call-overload]
    port = free_port()
    service = subprocess.Popen([sitebook, "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield port, key, service.pid
    finally:
        service.terminate()
        service.wait()


def run(uri: str, customers: int, sites: int, lines: int) -> None:
    started = time.perf_counter()
    xlsx = customers_xlsx(customers)
    sites_data = sites_csv(sites, customers)
    print(f"generated {customers:,}-row XLSX ({len(xlsx) / 1e6:.1f} MB) and {sites:,}-row CSV "
          f"in {time.perf_counter() - started:.0f}s", flush=True)
    print("\n(c) pipeline alone (read, map, coerce, validate; no database)")
    print(f"  customers XLSX: {pipeline_alone(xlsx, Entity.CUSTOMERS):10,.0f} rows/s")
    print(f"  sites CSV:      {pipeline_alone(sites_data, Entity.SITES):10,.0f} rows/s", flush=True)
    lines_data = lines_csv(lines, customers)
    print(f"  lines CSV:      {pipeline_alone(lines_data, Entity.PRODUCT_LINES):10,.0f} rows/s",
          flush=True)

    with serving(uri) as (port, key, pid):
        graphql = {"Authorization": f"Bearer {key}"}
        httpx.post(f"http://127.0.0.1:{port}/graphql", headers=graphql, json={
            "query": 'mutation { paymentTermCreate(input: {name: "Net 30"}) '
                     "{ paymentTerm { id } } }"})
        print("\nend to end over HTTP (upload to finished job)", flush=True)
        results = {}
        for label, data, file_name, entity in (
            ("customers XLSX", xlsx, "customers.xlsx", "CUSTOMERS"),
            ("sites CSV", sites_data, "sites.csv", "SITES"),
        ):
            job = import_over_http(port, key, data, file_name, entity)
            rate = job["totals"]["rows"] / job["seconds"]
            results[label] = rate
            print(f"  {label}: {job['status']} {job['totals']} in {job['seconds']:.1f}s = "
                  f"{rate:,.0f} rows/s; peak RSS {peak_rss_mb(pid):.0f} MB", flush=True)
        import_over_http(port, key, products_csv(), "products.csv", "PRODUCTS")
        job = import_over_http(port, key, lines_data, "lines.csv", "PRODUCT_LINES")
        results["lines CSV"] = job["totals"]["rows"] / job["seconds"]
        print(f"  product lines CSV: {job['status']} {job['totals']} in {job['seconds']:.1f}s = "
              f"{results['lines CSV']:,.0f} rows/s; peak RSS {peak_rss_mb(pid):.0f} MB",
              flush=True)
        customer_ceiling, site_ceiling, naive_rate = baselines(uri, sites)
        line_ceiling = asyncio.run(lines_ceiling(uri))
        print(f"  product lines: {line_ceiling:,.0f} rows/s", flush=True)
        big = sites_csv(sites * 2, customers)
        job = import_over_http(port, key, big, "sites-2x.csv", "SITES")
        print(f"  sites CSV x2 ({sites * 2:,} rows): {job['status']} in {job['seconds']:.1f}s; "
              f"peak RSS {peak_rss_mb(pid):.0f} MB", flush=True)
        big_customer(port, key)

    print("\nratios")
    print(f"  customers end to end / ceiling: {results['customers XLSX'] / customer_ceiling:.2f}"
          f"; / naive: {results['customers XLSX'] / naive_rate:.1f}x")
    print(f"  sites end to end / ceiling:     {results['sites CSV'] / site_ceiling:.2f}"
          f"; / naive: {results['sites CSV'] / naive_rate:.1f}x")
    print(f"  lines end to end / ceiling:     {results['lines CSV'] / line_ceiling:.2f}")


def baselines(uri: str, sites: int) -> tuple[float, float, float]:
    """(a) and (b), measured on the documents the imports above stored."""
    customer_ceiling, site_ceiling = ceilings_before_and_after_diet(uri, sites, rounds=3)
    naive_rate = asyncio.run(naive(uri, 2000))
    print(f"(b) naive per-row Beanie find + save: {naive_rate:,.0f} rows/s", flush=True)
    return customer_ceiling, site_ceiling, naive_rate


def only_ceilings(uri: str, customers: int, sites: int, rounds: int) -> None:
    """Import the customers and sites files, then only the ceilings by index set."""
    with serving(uri) as (port, key, _):
        httpx.post(f"http://127.0.0.1:{port}/graphql", headers={"Authorization": f"Bearer {key}"},
                   json={"query": 'mutation { paymentTermCreate(input: {name: "Net 30"}) '
                                  "{ paymentTerm { id } } }"})
        for data, name, entity in ((customers_xlsx(customers), "customers.xlsx", "CUSTOMERS"),
                                   (sites_csv(sites, customers), "sites.csv", "SITES")):
            job = import_over_http(port, key, data, name, entity)
            print(f"imported {name}: {job['status']} {job['totals']} {job['failureReason'] or ''}",
                  flush=True)
    ceilings_before_and_after_diet(uri, sites, rounds)


if __name__ == "__main__":
    main()

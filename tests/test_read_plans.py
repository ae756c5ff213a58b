"""No read examines far more documents than its own filter matches.

Every read the API sends (GraphQL queries with their loaders, and the point
writes of edits) is taken from the command log and replayed against the
database's planner: the documents it examines are those of the index range the
server reads for its first filter (or the whole collection), counted, against
the documents that filter matches. An index dropped that a read needed shows
here as a read of a whole organization or collection.

SecantusDB has no counters of documents examined, and its `explain` reports a
COLLSCAN for a filter it serves by one clause (storage._try_index_id_keys, last
resort: the first clause an index serves alone, e.g. `_id` as a primary key
lookup); `examined` follows that rule where explain is silent.
"""

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from starlette.applications import Starlette

from tests.conftest import CommandLog, Org
from tests.imports import csv_bytes, run_import

CUSTOMERS = 150
# Reads whose first filter is bounded by its own matches, give or take this.
SLACK = 10

# The writes whose filters are reads too (a guarded replace must not read the org).
WRITE_FILTERS = {"update": ("updates", "q"), "delete": ("deletes", "q")}


def _ixscan(plan: Any) -> dict[str, Any] | None:
    if isinstance(plan, dict):
        if plan.get("stage") == "IXSCAN":
            return plan
        for value in plan.values():
            found = _ixscan(value)
            if found is not None:
                return found
    elif isinstance(plan, list):
        for value in plan:
            found = _ixscan(value)
            if found is not None:
                return found
    return None


async def _index_of(db: AsyncDatabase[dict[str, Any]], collection: str,
                    where: dict[str, Any]) -> dict[str, Any] | None:
    plan = await db.command("explain", {"find": collection, "filter": where},
                            verbosity="queryPlanner")
    return _ixscan(plan["queryPlanner"]["winningPlan"])


async def examined(db: AsyncDatabase[dict[str, Any]], collection: str,
                   where: dict[str, Any]) -> int:
    """Documents the server reads to answer `where`: its index range, or all."""
    if where:
        scan = await _index_of(db, collection, where)
        if scan is not None:
            keys = scan["keyPattern"]
            return await db[collection].count_documents(
                {k: v for k, v in where.items() if k in keys})
        for key, clause in where.items():
            if len(where) > 1 and await _index_of(db, collection, {key: clause}) is not None:
                return await examined(db, collection, {key: clause})
    return await db[collection].count_documents({})


def reads(log: CommandLog) -> list[tuple[str, str, dict[str, Any]]]:
    """(command, collection, first filter) of every read in the log."""
    out = []
    for name, command in log.commands:
        if name == "find":
            out.append((name, command["find"], dict(command.get("filter") or {})))
        elif name == "aggregate":
            pipeline = command.get("pipeline") or [{}]
            first = pipeline[0].get("$match", {}) if pipeline else {}
            out.append((name, command["aggregate"], dict(first)))
        elif name == "findAndModify":
            out.append((name, command["findAndModify"], dict(command.get("query") or {})))
        elif name in WRITE_FILTERS:
            items, key = WRITE_FILTERS[name]
            out += [(name, command[name], dict(item[key])) for item in command[items]]
    return out


async def unbounded(db: AsyncDatabase[dict[str, Any]],
                    log: CommandLog) -> list[tuple[str, str, dict[str, Any], int, int]]:
    found = []
    for name, collection, where in reads(log):
        if collection.startswith("system.") or collection == "fs.chunks":
            continue
        read = await examined(db, collection, where)
        matched = await db[collection].count_documents(where)
        if read > 2 * matched + SLACK:
            found.append((name, collection, where, read, matched))
    return found


async def seeded(org: Org, other: Org) -> dict[str, Any]:
    """Two organizations of CUSTOMERS customers each (types, lead sources,
    sites, products and product lines), and ids to read in the first.
    """
    rows = [["Customer Name", "Phone", "Customer Type", "Lead Source", "Account Number"]]
    rows += [[f"Customer {n:04d}", f"0412 345 {n:03d}", f"Type {n % 3}", f"Lead {n % 2}",
              f"AC{n:04d}"] for n in range(CUSTOMERS)]
    sites = [["Site Name", "Address Line 1", "Suburb", "Postcode", "Billing Customer"]]
    sites += [[f"Site {n}", f"{n} Main Rd", "Springfield", "4000", f"Customer {n:04d}"]
              for n in range(CUSTOMERS)]
    products = [["Import ID", "Product Name", "Recurring", "Unit Price", "Term Months"],
                ["P1", "Product 1", "yes", "10.00", "12"], ["P2", "Product 2", "no", "5", ""]]
    lines = [["ID", "Customer", "Product", "Quantity", "Billing Date"]]
    lines += [[f"L{n}", f"Customer {n % 20:04d}", f"P{n % 2 + 1}", "1", "2026-01-15"]
              for n in range(40)]
    for each in (org, other):
        for data in (csv_bytes(rows), csv_bytes(sites), csv_bytes(products), csv_bytes(lines)):
            job = await run_import(each, data, "data.csv", entity=_entity(data))
            assert job["totals"]["failed"] == 0, job
    first = (await org.gql("""{ customers(first: 2) { nodes { id name customerType { id }
        leadSource { id } sites { id } } } products(first: 1) { nodes { id } }
        productLines(first: 1) { nodes { id } } }"""))
    customer, tenant = first["customers"]["nodes"]
    await org.mutate("""mutation($id: ID!, $billing: ID!) { billingCustomerAssign(customerId: $id,
        input: {billingCustomerId: $billing}) { customer { id } userErrors { code message } } }""",
                     {"id": tenant["id"], "billing": customer["id"]})
    contact = await org.mutate("""mutation($id: ID!) { contactCreate(customerId: $id,
        input: {firstName: "Ann"}) { contact { id } userErrors { code message } } }""",
                               {"id": customer["id"]})
    equipment = await org.mutate("""mutation($id: ID!) { equipmentCreate(customerId: $id,
        input: {name: "Pump"}) { equipment { id } userErrors { code message } } }""",
                                 {"id": customer["id"]})
    return {"customer": customer, "product": first["products"]["nodes"][0]["id"],
            "line": first["productLines"]["nodes"][0]["id"],
            "contact": contact["contact"]["id"], "equipment": equipment["equipment"]["id"]}


def _entity(data: bytes) -> str:
    header = data.split(b"\n", 1)[0]
    for start, entity in ((b"Customer Name", "CUSTOMERS"), (b"Site Name", "SITES"),
                          (b"Import ID", "PRODUCTS"), (b"ID,", "PRODUCT_LINES")):
        if header.startswith(start):
            return entity
    raise AssertionError(header)


async def test_no_read_examines_far_more_than_it_matches(
        app: Starlette, org: Org, make_org: Any, command_log: CommandLog) -> None:
    ids = await seeded(org, await make_org("other"))
    customer = ids["customer"]
    command_log.commands.clear()
    await org.gql("""query($id: ID!, $type: ID!, $lead: ID!, $site: ID!, $contact: ID!,
        $equipment: ID!, $product: ID!, $line: ID!) {
      page: customers(first: 20) { nodes { id name customerType { name } leadSource { name }
        billing { billingCustomer { name } } } }
      byType: customers(first: 5, filter: {customerTypeId: $type}) { nodes { id } }
      byLead: customers(first: 5, filter: {leadSourceId: $lead}) { nodes { id } }
      tenants: customers(first: 5, filter: {billingCustomerId: $id}) { nodes { id } }
      changed: customers(first: 5, filter: {updatedSince: "2100-01-01T00:00:00Z"}) { nodes { id } }
      one: customer(id: $id) { id sites { id } contacts { id } equipment { id } }
      byName: customerByName(name: "customer 0001") { id }
      site: node(id: $site) { id }
      contact: node(id: $contact) { id }
      equipment: node(id: $equipment) { id }
      several: nodes(ids: [$id, $site, $product, $line]) { id }
      sites(first: 10) { nodes { id } }
      sitesOf: sites(first: 10, filter: {customerId: $id}) { nodes { id } }
      products(first: 5) { nodes { id } }
      product(id: $product) { id }
      productLines(first: 5) { nodes { id customer { name } product { name } } }
      linesOf: productLines(first: 5, filter: {customerId: $id}) { nodes { id } }
      linesBy: productLines(first: 5, filter: {productId: $product}) { nodes { id } }
      productLine(id: $line) { id }
      customerTypes { id } leadSources { id } paymentTerms { id }
      importJobs(first: 3) { nodes { id rowErrors(first: 5) { nodes { row } } } }
    }""", {"id": customer["id"], "type": customer["customerType"]["id"],
           "lead": customer["leadSource"]["id"], "site": customer["sites"][0]["id"],
           "contact": ids["contact"], "equipment": ids["equipment"], "product": ids["product"],
           "line": ids["line"]})
    # Edits: each reads its customer by id, then replaces it guarded by version.
    await org.mutate("""mutation($id: ID!) { customerUpdate(id: $id, input: {email: "a@b.co"})
        { customer { id } userErrors { code message } } }""", {"id": customer["id"]})
    await org.mutate("""mutation($id: ID!) { siteUpdate(id: $id, input: {notes: "gate"})
        { site { id } userErrors { code message } } }""", {"id": customer["sites"][0]["id"]})
    assert len(reads(command_log)) > 20  # the log holds the reads, or this proves nothing
    db = app.state.database.db
    assert await unbounded(db, command_log) == []


async def test_a_scan_is_caught(app: Starlette, org: Org, command_log: CommandLog) -> None:
    """The check itself: a read by an unindexed field is reported."""
    rows = [["Customer Name", "Email"]] + [[f"C{n}", f"c{n}@example.com"] for n in range(40)]
    await run_import(org, csv_bytes(rows), "c.csv", entity="CUSTOMERS")
    db = app.state.database.db
    command_log.commands.clear()
    org_id = (await db["customers"].find_one({}))["org_id"]
    await db["customers"].find_one({"org_id": org_id, "email": "c1@example.com"})
    [(name, collection, _, read, matched)] = await unbounded(db, command_log)
    assert (name, collection, matched) == ("find", "customers", 1)
    assert read >= 40

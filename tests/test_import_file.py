"""Importing customers and sites from the user's own files, through HTTP."""

from typing import Any

from documents.api_key import Role
from tests.conftest import Org
from tests.imports import csv_bytes, finished, run_import, upload, xlsx_bytes

CUSTOMER = """query($name: String!) { customerByName(name: $name) {
  name companyName firstName lastName email phone customerType { name }
  paymentTerm { name } billing { billingCustomer { name } careOfName }
  siteAddress { line1 suburb } customFields { key value }
  sites { name address { line1 suburb postcode } contactName }
} }"""


async def customer(org: Org, name: str) -> dict[str, Any]:
    found: dict[str, Any] = (await org.gql(CUSTOMER, {"name": name}))["customerByName"]
    return found


async def test_seed_scenario_customer_then_five_sites(org: Org) -> None:
    customers = csv_bytes([["COMPANY NAME", "FIRST NAME", "LAST NAME", "EMAIL"],
                           ["Customer ABC", "Ann", "Brown", "ann@abc.example"],
                           ["Other Co", "Bob", "Green", ""]])
    job = await run_import(org, customers, "customers.csv", entity="CUSTOMERS")
    assert job["status"] == "SUCCEEDED"
    assert job["format"] == "CSV"
    assert job["totals"] == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0,
                             "failed": 0, "skipped": 0}
    assert job["progress"] == {"processedRows": 2, "totalRows": 2}
    abc = await customer(org, "customer abc")
    assert (abc["companyName"], abc["firstName"], abc["lastName"], abc["email"]) == (
        "Customer ABC", "Ann", "Brown", "ann@abc.example")

    sites = xlsx_bytes([["Site Name", "Address Line 1", "Suburb", "Postcode", "Billing Customer"],
                        *[[f"Site {n}", f"{n} Main Rd", "Springfield", 4000 + n, "Customer ABC"]
                          for n in range(1, 6)]])
    job = await run_import(org, sites, "sites.xlsx", entity="SITES")
    assert job["status"] == "SUCCEEDED"
    assert job["format"] == "XLSX"
    assert job["totals"]["created"] == 5
    abc = await customer(org, "Customer ABC")
    assert [(s["name"], s["address"]["line1"], s["address"]["postcode"]) for s in abc["sites"]] == [
        (f"Site {n}", f"{n} Main Rd", str(4000 + n)) for n in range(1, 6)]
    # The same file again changes nothing.
    again = await run_import(org, sites, "sites.xlsx", entity="SITES")
    assert again["totals"] == {"rows": 5, "created": 0, "updated": 0, "unchanged": 5,
                               "failed": 0, "skipped": 0}


async def test_bad_rows_fail_alone_with_row_column_and_reason(org: Org) -> None:
    await run_import(org, csv_bytes([["Customer Name"], ["Customer ABC"]]), "c.csv",
                     entity="CUSTOMERS")
    sites = csv_bytes([["Site Name", "Address Line 1", "Billing Customer", "Site Email"],
                       ["Depot", "1 Quay St", "Customer ABC", "depot@abc.example"],
                       ["Shed", "2 Quay St", "Nobody Pty", ""],
                       ["Yard", "3 Quay St", "Customer ABC", "not-an-email"],
                       ["Office", "4 Quay St", "", ""]])
    job = await run_import(org, sites, "sites.csv", entity="SITES")
    assert job["status"] == "COMPLETED_WITH_ERRORS"
    assert job["totals"]["created"] == 1
    assert job["totals"]["failed"] == 3
    errors = [e["node"] for e in job["rowErrors"]["edges"]]
    assert [(e["row"], e["code"]) for e in errors] == [
        (3, "BILLING_CUSTOMER_NOT_FOUND"), (4, "INVALID_EMAIL"), (5, "REQUIRED")]
    assert "Nobody Pty" in errors[0]["message"]
    assert (errors[1]["column"], errors[1]["field"], errors[1]["value"]) == (
        "Site Email", "email", "not-an-email")
    assert [s["name"] for s in (await customer(org, "Customer ABC"))["sites"]] == ["Depot"]


async def test_customers_with_lookups_billing_links_and_custom_fields(org: Org) -> None:
    await org.mutate('mutation { paymentTermCreate(input: {name: "Net 30"}) '
                     "{ paymentTerm { id } userErrors { code } } }", role=Role.ADMIN)
    rows = csv_bytes([
        ["Name", "Customer Type", "Payment Term", "Billing Customer", "Care Of", "Gate Code"],
        ["Tenant One", "Residential", "Net 30", "Manager Co", "c/o Accounts", "1234"],
        ["Manager Co", "Commercial", "", "", "", ""],
        ["Tenant Two", "residential", "Net 7", "", "", ""],
    ], delimiter=";", encoding="cp1252")
    job = await run_import(org, rows, "customers.csv", entity="CUSTOMERS", mapping=[
        {"header": "Name", "field": "name"},
        {"header": "customer type", "field": "customer_type"},
        {"column": 2, "field": "payment_term"},
        {"header": "Billing Customer", "field": "billing_customer"},
        {"header": "Care Of", "field": "care_of_name"},
        {"header": "Gate Code", "field": "custom:Gate code"},
    ])
    assert job["totals"]["created"] == 2
    errors = [e["node"] for e in job["rowErrors"]["edges"]]
    # A reference the loader could not resolve names its column and value too.
    assert [(e["row"], e["code"], e["column"], e["value"]) for e in errors] == [
        (4, "UNKNOWN_PAYMENT_TERM", "Payment Term", "Net 7")]
    tenant = await customer(org, "Tenant One")
    assert tenant["customerType"] == {"name": "Residential"}
    assert tenant["paymentTerm"] == {"name": "Net 30"}
    # The billing customer came later in the file: linked when the import ended.
    assert tenant["billing"]["billingCustomer"] == {"name": "Manager Co"}
    assert tenant["customFields"] == [{"key": "Gate code", "value": "1234"}]
    types = await org.gql("{ customerTypes { name } }")
    assert types == {"customerTypes": [{"name": "Commercial"}, {"name": "Residential"}]}


async def test_modes_empty_cells_and_dry_run(org: Org) -> None:
    first = csv_bytes([["Customer Name", "Email", "Phone"], ["ABC", "a@abc.example", "0412345678"]])
    await run_import(org, first, "a.csv", entity="CUSTOMERS")
    blank_email = csv_bytes([["Customer Name", "Email", "Phone"], ["abc", "", "0499999999"],
                             ["New Co", "", ""]])
    dry = await run_import(org, blank_email, "b.csv", entity="CUSTOMERS", dryRun=True)
    assert dry["dryRun"] is True
    assert dry["totals"]["created"] == 1
    assert dry["totals"]["updated"] == 1
    assert (await customer(org, "ABC"))["phone"] == "+61412345678"
    assert await customer(org, "New Co") is None

    update_only = await run_import(org, blank_email, "b.csv", entity="CUSTOMERS",
                                   mode="UPDATE_ONLY")
    assert update_only["totals"]["updated"] == 1
    assert [(e["node"]["row"], e["node"]["code"]) for e in update_only["rowErrors"]["edges"]] == [
        (3, "NOT_FOUND")]
    abc = await customer(org, "ABC")
    assert abc["phone"] == "+61499999999"
    assert abc["email"] == "a@abc.example"  # an empty cell never erases

    create_only = await run_import(org, blank_email, "b.csv", entity="CUSTOMERS",
                                   mode="CREATE_ONLY")
    assert create_only["totals"]["created"] == 1
    assert create_only["rowErrors"]["edges"][0]["node"]["code"] == "ALREADY_EXISTS"


async def test_file_without_headers_and_abort_on_error(org: Org) -> None:
    rows = csv_bytes([["Alpha", "alpha@x.example"], ["Beta", "broken"], ["Gamma", ""]])
    mapping = [{"column": 0, "field": "name"}, {"column": 1, "field": "email"}]
    job = await run_import(org, rows, "n.csv", entity="CUSTOMERS", hasHeaders=False,
                           mapping=mapping, errorPolicy="ABORT_ON_ERROR")
    assert job["status"] == "FAILED"
    assert job["failureReason"].startswith("Stopped at row 2")
    assert job["rowErrors"]["edges"][0]["node"]["column"] == "B"
    assert await customer(org, "Alpha") is None
    job = await run_import(org, rows, "n.csv", entity="CUSTOMERS", hasHeaders=False,
                           mapping=mapping)
    assert job["totals"]["created"] == 2
    assert job["rowErrors"]["edges"][0]["node"]["row"] == 2


async def test_bad_files_and_mappings_get_user_errors(org: Org) -> None:
    payload = await upload(org, b"%PDF-1.7 not a sheet", "list.csv", entity="CUSTOMERS")
    assert payload["job"] is None
    assert payload["userErrors"][0]["code"] == "UNSUPPORTED_FILE"
    assert "PDF" in payload["userErrors"][0]["message"]
    payload = await upload(org, b"PK\x03\x04broken zip", "list.xlsx", entity="CUSTOMERS")
    assert payload["userErrors"][0]["code"] == "CORRUPT_FILE"
    payload = await upload(org, xlsx_bytes([["Name"]], title="Clients"), "x.xlsx",
                           entity="CUSTOMERS", sheet="Customers")
    assert payload["userErrors"][0]["code"] == "SHEET_NOT_FOUND"
    assert "Clients" in payload["userErrors"][0]["message"]
    payload = await upload(org, csv_bytes([["Name"], ["A"]]), "m.csv", entity="CUSTOMERS",
                           mapping=[{"header": "Nope", "field": "name"},
                                    {"column": 0, "field": "shoe_size"}])
    assert {(e["code"], tuple(e["field"])) for e in payload["userErrors"]} == {
        ("UNKNOWN_COLUMN", ("input", "mapping", "0", "header")),
        ("UNKNOWN_FIELD", ("input", "mapping", "1", "field"))}
    jobs = await org.gql("{ importJobs { totalCount } }")
    assert jobs == {"importJobs": {"totalCount": 0}}


async def test_custom_fields_only_where_they_are_kept(org: Org) -> None:
    """Only customers keep custom fields: a `custom:` mapping elsewhere, or with a
    key the API would refuse, is refused before any row is read, never dropped.
    """
    sites = csv_bytes([["Customer", "Site Name", "Gate"], ["ABC", "Depot", "1234"]])
    payload = await upload(org, sites, "s.csv", entity="SITES", mapping=[
        {"header": "Customer", "field": "billing_customer"},
        {"header": "Site Name", "field": "name"},
        {"header": "Gate", "field": "custom:Gate"}])
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("UNKNOWN_FIELD", ["input", "mapping", "2", "field"])]
    assert "only customers keep custom fields" in payload["userErrors"][0]["message"]
    customers = csv_bytes([["Name", "Gate"], ["ABC", "1234"]])
    for key in ("custom:$where", "custom:gate.code", "custom:" + "k" * 101):
        payload = await upload(org, customers, "c.csv", entity="CUSTOMERS", mapping=[
            {"header": "Name", "field": "name"}, {"header": "Gate", "field": key}])
        assert [e["code"] for e in payload["userErrors"]] == ["UNKNOWN_FIELD"], key
        assert "custom field key" in payload["userErrors"][0]["message"], key
    jobs = await org.gql("{ importJobs { totalCount } }")
    assert jobs == {"importJobs": {"totalCount": 0}}


async def test_idempotency_roles_and_tenancy(org: Org, make_org: Any) -> None:
    data = csv_bytes([["Customer Name"], ["ABC"]])
    first = await upload(org, data, "a.csv", role=Role.PARTNER, entity="CUSTOMERS",
                         idempotencyKey="nightly-2026-11-22")
    second = await upload(org, data, "a.csv", role=Role.PARTNER, entity="CUSTOMERS",
                          idempotencyKey="nightly-2026-11-22")
    assert first["job"]["id"] == second["job"]["id"]
    job = await finished(org, first["job"]["id"])
    assert job["totals"]["created"] == 1
    listed = await org.gql("{ importJobs { edges { node { id } } totalCount } }",
                           role=Role.PARTNER)
    assert listed["importJobs"]["totalCount"] == 1
    refused = await upload(org, data, "a.csv", role=Role.FIELD, entity="CUSTOMERS")
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    other = await make_org("other")
    assert (await other.gql("query($id: ID!) { importJob(id: $id) { id } }",
                            {"id": job["id"]}))["importJob"] is None
    fields = await org.gql("{ importFields(entity: SITES) { key label required } }")
    assert {"key": "billing_customer", "label": "Billing Customer", "required": True} in fields[
        "importFields"]


async def test_contacts_and_equipment_with_dates_per_column(org: Org) -> None:
    await run_import(org, csv_bytes([["Customer Name"], ["ABC"]]), "c.csv", entity="CUSTOMERS")
    await run_import(org, csv_bytes([["Site Name", "Billing Customer"], ["Plant", "ABC"]]),
                     "s.csv", entity="SITES")
    contacts = csv_bytes([["Customer", "First Name", "Last Name", "Email", "Primary"],
                          ["ABC", "Ann", "Lee", "ann@abc.example", "yes"],
                          ["ABC", "Bob", "Ray", "", "x"],
                          ["ABC", "ann", "LEE", "ANN@abc.example", "maybe"],
                          ["Nobody", "Cy", "", "", ""]])
    job = await run_import(org, contacts, "contacts.csv", entity="CONTACTS")
    assert job["totals"]["created"] == 2
    assert [(e["node"]["row"], e["node"]["code"]) for e in job["rowErrors"]["edges"]] == [
        (4, "INVALID_BOOLEAN"), (5, "CUSTOMER_NOT_FOUND")]
    stored = await org.gql('{ customerByName(name: "ABC") { contacts { firstName isPrimary } '
                           "equipment { name serialNumber installDate warrantyExpiry "
                           "site { name } } } }")
    assert stored["customerByName"]["contacts"] == [
        {"firstName": "Ann", "isPrimary": False}, {"firstName": "Bob", "isPrimary": True}]

    equipment = xlsx_bytes([
        ["Customer", "Site", "Equipment Name", "Serial Number", "Install Date", "Warranty"],
        ["ABC", "Plant", "Chiller", "SN-1", "03/04/2024", "2027-04-03"],
        ["ABC", "", "Pump", "SN-2", "12/25/2023", "25 Dec 2025"],
        ["ABC", "Roof", "Fan", "SN-3", "", ""],
        ["ABC", "", "Boiler", "SN-4", "someday", ""],
    ])
    job = await run_import(org, equipment, "equipment.xlsx", entity="EQUIPMENT")
    assert job["totals"]["created"] == 2
    assert [(e["node"]["row"], e["node"]["code"]) for e in job["rowErrors"]["edges"]] == [
        (4, "UNKNOWN_SITE"), (5, "INVALID_DATE")]
    # 12/25/2023 can only be month-first, so the whole column is read month-first.
    assert {"column": "Install Date", "order": "MONTH_FIRST", "fromValues": True} in job[
        "dateOrders"]
    items = (await org.gql('{ customerByName(name: "ABC") { equipment { name serialNumber '
                           "installDate warrantyExpiry site { name } } } }")
             )["customerByName"]["equipment"]
    assert items == [
        {"name": "Chiller", "serialNumber": "SN-1", "installDate": "2024-03-04",
         "warrantyExpiry": "2027-04-03", "site": {"name": "Plant"}},
        {"name": "Pump", "serialNumber": "SN-2", "installDate": "2023-12-25",
         "warrantyExpiry": "2025-12-25", "site": None},
    ]


async def test_remaining_row_error_codes(org: Org) -> None:
    rows = csv_bytes([
        ["Customer Name", "Price Level", "Assigned User", "Mobile", "Billing Customer"],
        ["One", "Platinum", "", "", ""],
        ["Two", "", "Nobody Known", "", ""],
        ["Three", "", "", "12", ""],
        ["Four", "", "", "", "four"],
    ])
    job = await run_import(org, rows, "codes.csv", entity="CUSTOMERS")
    assert [(e["node"]["row"], e["node"]["code"]) for e in job["rowErrors"]["edges"]] == [
        (2, "UNKNOWN_PRICE_LEVEL"), (3, "UNKNOWN_USER"), (5, "BILLING_CUSTOMER_SELF")]
    assert job["totals"]["failed"] == 3
    # A phone that is no valid number is kept as typed, never rejected (issue 15).
    assert [(w["node"]["row"], w["node"]["code"], w["node"]["outcome"])
            for w in job["rowWarnings"]["edges"]] == [(4, "PHONE_KEPT_AS_TYPED", "CREATED")]


async def test_cancel_a_running_import(org: Org) -> None:
    rows = [["Customer Name"], *[[f"Customer {n:05d}"] for n in range(30_000)]]
    payload = await upload(org, csv_bytes(rows), "big.csv", entity="CUSTOMERS")
    job_id = payload["job"]["id"]
    cancel = ("mutation($id: ID!) { importCancel(id: $id) { job { id status } "
              "userErrors { code message } } }")
    cancelled = await org.gql(cancel, {"id": job_id})
    assert cancelled["importCancel"]["userErrors"] == []
    job = await finished(org, job_id)
    assert job["status"] == "CANCELLED"
    assert job["progress"]["processedRows"] < 30_000
    again = await org.gql(cancel, {"id": job_id})
    assert again["importCancel"]["userErrors"][0]["code"] == "INVALID"
    listed = await org.gql("{ importJobs(filter: {status: CANCELLED}) { edges { node { id } } } }")
    assert listed["importJobs"]["edges"] == [{"node": {"id": job_id}}]


async def test_batches_naming_the_same_customers_land_whole(org: Org) -> None:
    """Consecutive batches that add sites to the same customers cannot be
    prepared while the previous one writes: every site still lands, once.
    """
    await run_import(org, csv_bytes([["Customer Name"], ["Alpha"], ["Beta"]]),
                     "customers.csv", entity="CUSTOMERS")
    rows = [["Site Name", "Address Line 1", "Billing Customer"]] + [
        [f"Site {n}", f"{n} Long Rd", "Alpha" if n % 2 else "Beta"] for n in range(1050)]
    job = await run_import(org, csv_bytes(rows), "sites.csv", entity="SITES")
    assert job["status"] == "SUCCEEDED", job
    assert job["totals"]["created"] == 1050
    found = await org.gql('{ customers { edges { node { name sites { name } } } } }')
    sites = {e["node"]["name"]: [s["name"] for s in e["node"]["sites"]]
             for e in found["customers"]["edges"]}
    assert sorted(sites["Alpha"]) == sorted(f"Site {n}" for n in range(1, 1050, 2))
    assert sorted(sites["Beta"]) == sorted(f"Site {n}" for n in range(0, 1050, 2))

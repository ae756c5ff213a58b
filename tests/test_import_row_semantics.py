"""Issue 15: every row accounted for, nothing stored silently wrong.

Each test imports a small file through the real API (multipart upload, worker,
embedded database) and reads back what the job says and what was stored.
"""

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Org
from tests.imports import csv_bytes, finished, run_import

CUSTOMER = """query($name: String!) { customerByName(name: $name) {
  name accountNumber phone mobile
  billing { billingCustomer { name } careOfName accountNumber }
  sites { name address { line1 suburb postcode } }
} }"""


def totals_add_up(job: dict[str, Any]) -> None:
    t = job["totals"]
    assert t["rows"] == t["created"] + t["updated"] + t["unchanged"] + t["failed"] + t["skipped"]


def warnings(job: dict[str, Any]) -> list[tuple[int, str]]:
    return [(w["node"]["row"], w["node"]["code"]) for w in job["rowWarnings"]["edges"]]


def errors(job: dict[str, Any]) -> list[tuple[int, str]]:
    return [(e["node"]["row"], e["node"]["code"]) for e in job["rowErrors"]["edges"]]


async def customer(org: Org, name: str) -> dict[str, Any]:
    found: dict[str, Any] = (await org.gql(CUSTOMER, {"name": name}))["customerByName"]
    return found


async def test_duplicates_in_a_file_are_counted_and_warned(org: Org) -> None:
    rows = csv_bytes([["Customer Name", "Email"], ["Dup Co", "a@dup.example"],
                      ["dup  co", "b@dup.example"], ["Other", ""]])
    job = await run_import(org, rows, "dups.csv", entity="CUSTOMERS")
    assert job["totals"] == {"rows": 3, "created": 2, "updated": 1, "unchanged": 0,
                             "failed": 0, "skipped": 0}
    assert warnings(job) == [(3, "DUPLICATE_IN_FILE")]
    assert "Row 2" in job["rowWarnings"]["edges"][0]["node"]["message"]
    assert job["warned"]["rows"] == 1
    # Applied in file order: the later row's email wins.
    found = await org.gql('{ customerByName(name: "Dup Co") { email } }')
    assert found["customerByName"]["email"] == "b@dup.example"


async def test_phones_are_read_in_the_rows_country_and_never_changed(org: Org) -> None:
    await org.gql('mutation { settingsUpdate(input: {defaultRegion: "US"}) '
                  "{ userErrors { code } } }")
    rows = csv_bytes([
        ["Customer Name", "Phone", "Mobile", "Country"],
        ["Alfreds", "030-0074321", "", "Germany"],
        ["Extension Co", "(201) 555-0123 x58884", "", "USA"],
        ["Short Co", "12345", "", ""],
        ["Words Co", "call reception", "0412 345 678", "Australia"],
    ])
    job = await run_import(org, rows, "phones.csv", entity="CUSTOMERS")
    assert job["totals"]["created"] == 4
    assert job["totals"]["failed"] == 0
    assert warnings(job) == [(4, "PHONE_KEPT_AS_TYPED"), (5, "PHONE_KEPT_AS_TYPED")]
    assert (await customer(org, "Alfreds"))["phone"] == "+49300074321"
    assert (await customer(org, "Extension Co"))["phone"] == "+12015550123;ext=58884"
    assert (await customer(org, "Short Co"))["phone"] == "12345"
    words = await customer(org, "Words Co")
    assert (words["phone"], words["mobile"]) == ("call reception", "+61412345678")
    found = await org.gql('{ customers(filter: {search: "12345"}) { edges { node { name } } } }')
    assert [e["node"]["name"] for e in found["customers"]["edges"]] == ["Short Co"]


async def test_sites_match_by_name_or_whole_address_never_line_one_alone(org: Org) -> None:
    await run_import(org, csv_bytes([["Customer Name"], ["Lake Co"]]), "c.csv",
                     entity="CUSTOMERS")
    first = csv_bytes([["Customer", "Site Name", "Address Line 1", "Suburb", "Postcode"],
                       ["Lake Co", "Site 1", "8 Main Rd", "Riverside", "2000"],
                       ["Lake Co", "Site 2", "9 Main Rd", "Riverside", "2000"]])
    job = await run_import(org, first, "s1.csv", entity="SITES")
    assert job["totals"]["created"] == 2
    second = csv_bytes([["Customer", "Site Name", "Address Line 1", "Suburb", "Postcode"],
                        ["Lake Co", "Site 3", "8 Main Rd", "Lakeside", "3000"],
                        ["Lake Co", "Site 1", "8 Main Rd", "Riverside", "2001"],
                        ["Lake Co", "Site 2", "9 Main Rd", "Hillside", "2000"],
                        ["Lake Co", "", "8 Main Rd", "Lakeside", "3000"],
                        ["Lake Co", "", "8 Main Rd", "Elsewhere", "4000"]])
    job = await run_import(org, second, "s2.csv", entity="SITES")
    totals_add_up(job)
    assert job["totals"] == {"rows": 5, "created": 2, "updated": 1, "unchanged": 1,
                             "failed": 1, "skipped": 0}
    assert errors(job) == [(4, "SITE_ADDRESS_CONFLICT")]
    sites = {s["name"]: s["address"] for s in (await customer(org, "Lake Co"))["sites"]}
    assert sites == {
        "Site 1": {"line1": "8 Main Rd", "suburb": "Riverside", "postcode": "2001"},
        "Site 2": {"line1": "9 Main Rd", "suburb": "Riverside", "postcode": "2000"},
        "Site 3": {"line1": "8 Main Rd", "suburb": "Lakeside", "postcode": "3000"},
        # "8 Main Rd" is a site name already? No: Site 1 is; the new one is named after it.
        "8 Main Rd": {"line1": "8 Main Rd", "suburb": "Elsewhere", "postcode": "4000"},
    }


async def test_account_numbers_are_kept_unique_and_can_match(org: Org) -> None:
    rows = csv_bytes([["Customer Name", "Account Number"], ["Alpha", "C-001"],
                      ["Beta", "c-001"], ["Gamma", "C-003"]])
    job = await run_import(org, rows, "acc.csv", entity="CUSTOMERS")
    assert errors(job) == [(3, "ACCOUNT_NUMBER_TAKEN")]
    assert (await customer(org, "Alpha"))["accountNumber"] == "C-001"
    rename = csv_bytes([["Account Number", "Customer Name"], ["C-001", "Alpha Pty"],
                        ["C-003", "Alpha Pty"], ["C-404", ""]])
    job = await run_import(org, rename, "rename.csv", entity="CUSTOMERS",
                           matchBy="ACCOUNT_NUMBER")
    totals_add_up(job)
    assert errors(job) == [(3, "NAME_TAKEN"), (4, "REQUIRED")]
    assert (await customer(org, "Alpha Pty"))["accountNumber"] == "C-001"
    assert await customer(org, "Alpha") is None
    sites = csv_bytes([["Customer Account Number", "Site Name", "Address Line 1"],
                       ["c-003", "Depot", "1 Dock St"], ["X-9", "Nowhere", "2 Dock St"]])
    job = await run_import(org, sites, "sites.csv", entity="SITES")
    assert job["totals"]["created"] == 1
    assert errors(job) == [(3, "BILLING_CUSTOMER_NOT_FOUND")]
    assert [s["name"] for s in (await customer(org, "Gamma"))["sites"]] == ["Depot"]


async def test_billing_customers_later_in_the_file_failed_or_in_a_cycle(org: Org) -> None:
    rows = csv_bytes([
        ["Customer Name", "Billing Customer", "Care Of", "Billing Account Number", "Email"],
        ["Tenant", "Manager", "c/o Accounts", "T-77", ""],
        ["Orphan", "Broken Manager", "", "", ""],
        ["Manager", "", "", "", ""],
        ["Broken Manager", "", "", "", "not an email"],
        ["Cycle A", "Cycle B", "", "", ""],
        ["Cycle B", "Cycle A", "", "", ""],
        ["Loose", "", "c/o Nobody", "", ""],
    ])
    job = await run_import(org, rows, "billing.csv", entity="CUSTOMERS")
    totals_add_up(job)
    # Both new, each billed to the other: the row that closes the cycle fails, and
    # the row waiting for it fails too, saying so.
    assert errors(job) == [(3, "BILLING_CUSTOMER_FAILED"), (5, "INVALID_EMAIL"),
                           (6, "BILLING_CUSTOMER_FAILED"), (7, "BILLING_CYCLE")]
    assert warnings(job) == [(8, "VALUE_NOT_STORED")]
    tenant = (await customer(org, "Tenant"))["billing"]
    assert tenant == {"billingCustomer": {"name": "Manager"}, "careOfName": "c/o Accounts",
                      "accountNumber": "T-77"}
    assert await customer(org, "Cycle B") is None
    # With stored customers: the row that would close the cycle fails.
    again = csv_bytes([["Customer Name", "Billing Customer"], ["Tenant", ""],
                       ["Manager", "Tenant"]])
    job = await run_import(org, again, "cycle.csv", entity="CUSTOMERS")
    assert errors(job) == [(3, "BILLING_CYCLE")]
    assert await customer(org, "Orphan") is None


async def test_numbers_are_not_dates_in_text_files(org: Org) -> None:
    await run_import(org, csv_bytes([["Customer Name"], ["Plant Co"]]), "c.csv",
                     entity="CUSTOMERS")
    rows = csv_bytes([["Customer", "Equipment Name", "Install Date", "Warranty Expiry"],
                      ["Plant Co", "Chiller", "14", "2030-01-01"],
                      ["Plant Co", "Pump", "2024-03-01", "9999-12-31"]])
    job = await run_import(org, rows, "eq.csv", entity="EQUIPMENT")
    assert errors(job) == [(2, "INVALID_DATE"), (3, "OUT_OF_RANGE")]
    assert job["totals"]["failed"] == 2


async def test_a_row_reports_all_its_problems_at_once(org: Org) -> None:
    rows = csv_bytes([["Customer Name", "Email", "Payment Term"],
                      ["Both Wrong", "nope", "Net 999"]])
    job = await run_import(org, rows, "both.csv", entity="CUSTOMERS")
    assert errors(job) == [(2, "INVALID_EMAIL"), (2, "UNKNOWN_PAYMENT_TERM")]


async def test_null_markers_and_ragged_rows(org: Org) -> None:
    data = (b"Customer Name,Email,Phone\r\nOne,NULL,#N/A\r\nTwo,two@x.example,0412 345 678,extra"
            b"\r\nThree\r\n")
    job = await run_import(org, data, "ragged.csv", entity="CUSTOMERS")
    totals_add_up(job)
    assert errors(job) == [(3, "ROW_HAS_EXTRA_CELLS")]
    assert warnings(job) == [(2, "VALUE_READ_AS_EMPTY"), (2, "VALUE_READ_AS_EMPTY"),
                             (4, "SHORT_ROW")]
    assert (await customer(org, "One"))["phone"] is None


async def test_resuming_an_aborted_import_counts_no_row_twice(org: Org) -> None:
    rows = csv_bytes([["Customer Name", "Email"], ["Fine", ""], ["Bad", "nope"],
                      ["Later", ""]])
    job = await run_import(org, rows, "abort.csv", entity="CUSTOMERS",
                           errorPolicy="ABORT_ON_ERROR")
    assert job["status"] == "FAILED"
    first = job["totals"]
    totals_add_up(job)
    assert first == {"rows": 3, "created": 0, "updated": 0, "unchanged": 0, "failed": 1,
                     "skipped": 2}
    for _ in range(2):
        resumed = await org.gql("mutation($id: ID!) { importResume(id: $id) { userErrors "
                                "{ code } } }", {"id": job["id"]})
        assert resumed["importResume"]["userErrors"] == []
        again = await finished(org, job["id"])
        assert again["totals"] == first
        assert len(again["rowErrors"]["edges"]) == 1


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["Acme", "acme ", "Beta", "", "Gamma", "Z" * 3]),
                          st.sampled_from(["", "x@y.example", "bad", "NULL"]),
                          st.sampled_from(["", "0412 345 678", "12", "+44 20 7946 0958"]),
                          st.sampled_from(["", "Acme", "Beta", "Nobody"])),
                min_size=1, max_size=12))
async def test_totals_always_add_up(org: Org, rows: list[tuple[str, str, str, str]]) -> None:
    data = csv_bytes([["Customer Name", "Email", "Phone", "Billing Customer"],
                      *[list(r) for r in rows]])
    job = await run_import(org, data, "gen.csv", entity="CUSTOMERS")
    totals_add_up(job)
    assert job["totals"]["rows"] == len([r for r in rows if any(r)])
    assert job["totals"]["failed"] == len({e["node"]["row"] for e in job["rowErrors"]["edges"]})


async def test_imported_text_is_cleaned_and_capped(org: Org) -> None:
    rows = csv_bytes([["Customer Name", "Customer Type"], ["Bell\x01 Co", "Retail\x07"],
                      ["Long Co" + "o" * 300, ""]])
    job = await run_import(org, rows, "text.csv", entity="CUSTOMERS")
    assert errors(job) == [(3, "TEXT_TOO_LONG")]
    assert warnings(job) == [(2, "TEXT_CLEANED"), (2, "TEXT_CLEANED")]
    found = await org.gql('{ customerByName(name: "Bell Co") { name customerType { name } } }')
    assert found["customerByName"] == {"name": "Bell Co", "customerType": {"name": "Retail"}}


async def test_cancel_answers_cancelling_and_accounts_for_every_row(org: Org) -> None:
    import asyncio

    from tests.imports import JOB, upload

    rows = [["Customer Name"], *[[f"Customer {n:05d}"] for n in range(20_000)]]
    payload = await upload(org, csv_bytes(rows), "big.csv", entity="CUSTOMERS")
    job_id = payload["job"]["id"]
    for _ in range(600):  # until the worker has it
        job = (await org.gql(JOB, {"id": job_id}))["importJob"]
        if job["status"] == "RUNNING":
            break
        await asyncio.sleep(0.1)
    cancel = ("mutation($id: ID!) { importCancel(id: $id) { job { status finishedAt } "
              "userErrors { code } } }")
    # The service runs one worker, busy with the big file: this one stays queued.
    queued = await upload(org, csv_bytes(rows[:3]), "small.csv", entity="CUSTOMERS")
    answer = (await org.gql(cancel, {"id": queued["job"]["id"]}))["importCancel"]
    assert answer["job"]["status"] == "CANCELLED"
    assert answer["job"]["finishedAt"] is not None
    answer = (await org.gql(cancel, {"id": job_id}))["importCancel"]
    assert answer["userErrors"] == []
    assert answer["job"]["status"] == "CANCELLING"
    job = await finished(org, job_id)
    assert job["status"] == "CANCELLED"
    totals_add_up(job)
    assert job["totals"]["rows"] == 20_000
    assert job["totals"]["skipped"] > 0


async def test_product_lines_name_their_customer_by_account_number(org: Org) -> None:
    from tests.test_product_lines import lines, with_products

    await with_products(org)
    await run_import(org, csv_bytes([["Customer Name", "Account Number"], ["Acme", "A-1"]]),
                     "c.csv", entity="CUSTOMERS")
    rows = csv_bytes([["ID", "Customer Account Number", "Product", "Quantity"],
                      ["AC-1", "a-1", "HW", "2"], ["AC-2", "Z-9", "HW", "1"]])
    job = await run_import(org, rows, "lines.csv", entity="PRODUCT_LINES")
    assert errors(job) == [(3, "CUSTOMER_NOT_FOUND")]
    assert lines_of(await lines(org)) == {"AC-1": "Acme"}


def lines_of(found: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {line_id: line["customer"]["name"] for line_id, line in found.items()}


async def test_a_line_imported_again_without_its_price_keeps_it(org: Org) -> None:
    from tests.test_product_lines import lines, with_products

    await with_products(org)
    first = csv_bytes([["ID", "Customer", "Product", "Quantity", "Unit Price"],
                       ["OWN-1", "Acme", "HW", "2", "199.99"]])
    await run_import(org, first, "lines.csv", entity="PRODUCT_LINES")
    again = csv_bytes([["ID", "Customer", "Product", "Quantity"], ["OWN-1", "Acme", "HW", "2"]])
    job = await run_import(org, again, "lines.csv", entity="PRODUCT_LINES")
    assert job["totals"]["unchanged"] == 1
    assert (await lines(org))["OWN-1"]["amount"] == "399.98"

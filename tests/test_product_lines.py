"""Product lines through the import pipeline and back out of the API: bookings,
renewals, default dates, custom billing and revenue, idempotent re-imports.
"""

import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from documents.api_key import Role
from tests.conftest import Org
from tests.imports import csv_bytes, run_import

PRODUCTS = [["Import ID", "Product Name", "Recurring", "Unit Price", "Term Months"],
            ["SUB", "Cloud Suite", "yes", "100.00", "12"],
            ["HW", "Router", "no", "250.50", ""]]
HEADERS = ["ID", "Customer", "Opportunity", "Product", "Renewal", "Quantity", "Billing Date",
           "Booking Date", "Custom Billing", "Custom Rev Recognition"]
LINES = """query($filter: ProductLineFilter) { productLines(first: 100, filter: $filter) {
  totalCount edges { node {
    lineId opportunity quantity amount renewal billingDate bookingDate startDate endDate
    termMonths customer { name } product { importId }
    booking { amount bookingDate } renews { lineId } renewedBy { lineId }
    customBilling { frequency installments { date amount } }
    customRevenueRecognition { method }
    revenueSchedule { month amount } } } } }"""
BOOKINGS = """query($filter: BookingFilter) { bookings(first: 100, filter: $filter) {
  totalCount edges { node { amount bookingDate opportunity line { lineId }
  customer { name } } } } }"""


async def with_products(org: Org) -> None:
    job = await run_import(org, csv_bytes(PRODUCTS), "products.csv", entity="PRODUCTS")
    assert job["totals"]["created"] == 2, job


async def import_lines(org: Org, rows: list[list[str]], **options: Any) -> dict[str, Any]:
    return await run_import(org, csv_bytes([HEADERS, *rows]), "lines.csv",
                            entity="PRODUCT_LINES", **options)


async def lines(org: Org, **filter_: Any) -> dict[str, dict[str, Any]]:
    data = await org.gql(LINES, {"filter": filter_})
    return {e["node"]["lineId"]: e["node"] for e in data["productLines"]["edges"]}


async def test_new_lines_book_their_amount_and_create_customers(org: Org) -> None:
    await with_products(org)
    job = await import_lines(org, [
        ["L1", "Acme Pty", "OPP-7", "sub", "false", "3", "2026-01-15", "", "", ""],
        ["L2", "Acme Pty", "OPP-7", "HW", "", "2", "2026-02-01", "2026-01-20", "", ""],
    ])
    assert job["status"] == "SUCCEEDED", job
    assert job["totals"] == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0,
                             "failed": 0, "skipped": 0}
    found = await lines(org)
    assert found["L1"]["amount"] == "300.00"
    assert found["L1"]["termMonths"] == 12
    assert found["L1"]["booking"] == {"amount": "300.00", "bookingDate": "2026-01-15"}
    assert found["L1"]["endDate"] == "2027-01-14"
    assert found["L2"]["booking"] == {"amount": "501.00", "bookingDate": "2026-01-20"}
    assert found["L2"]["customer"] == {"name": "Acme Pty"}
    assert found["L2"]["product"] == {"importId": "HW"}
    customer = await org.gql('{ customerByName(name: "acme  pty") { name '
                             "productLines { totalCount edges { node { lineId } } } } }")
    assert customer["customerByName"]["productLines"]["totalCount"] == 2
    bookings = (await org.gql(BOOKINGS, {"filter": {"from": "2026-01-16"}}))["bookings"]
    assert [(b["node"]["line"]["lineId"], b["node"]["amount"], b["node"]["opportunity"])
            for b in bookings["edges"]] == [("L2", "501.00", "OPP-7")]


async def test_renewals_link_to_the_line_up_for_renewal_and_book_nothing(org: Org) -> None:
    await with_products(org)
    job = await import_lines(org, [
        ["C-2025", "Bay Cafe", "OPP-1", "SUB", "false", "1", "2025-03-01", "", "", ""],
        ["C-2026", "Bay Cafe", "OPP-2", "SUB", "true", "1", "2026-03-01", "", "", ""],
        ["C-2027", "Bay Cafe", "OPP-3", "SUB", "true", "2", "2027-03-01", "", "", ""],
        ["X-1", "Bay Cafe", "OPP-4", "HW", "true", "1", "2027-03-01", "", "", ""],
    ])
    assert (job["totals"]["created"], job["totals"]["failed"]) == (3, 1), job
    (error,) = [e["node"] for e in job["rowErrors"]["edges"]]
    assert (error["row"], error["code"]) == (5, "NOTHING_TO_RENEW")
    assert "'HW'" in error["message"]
    assert "Bay Cafe" in error["message"]
    found = await lines(org)
    assert found["C-2026"]["renews"] == {"lineId": "C-2025"}
    assert found["C-2025"]["renewedBy"] == {"lineId": "C-2026"}
    assert found["C-2027"]["renews"] == {"lineId": "C-2026"}
    assert found["C-2026"]["booking"] is None
    assert found["C-2027"]["booking"] is None
    assert (await org.gql(BOOKINGS))["bookings"]["totalCount"] == 1
    # A later file renews the latest line still waiting: C-2027.
    job = await import_lines(org, [["C-2028", "Bay Cafe", "", "SUB", "yes", "1", "2028-03-01",
                                    "", "", ""]])
    assert (await lines(org))["C-2028"]["renews"] == {"lineId": "C-2027"}


async def test_billing_and_booking_dates_default_to_the_import_date(org: Org) -> None:
    await with_products(org)
    today = datetime.now(UTC).date().isoformat()
    job = await import_lines(org, [["D1", "Dune Co", "", "HW", "", "1", "", "", "", ""]])
    assert job["status"] == "SUCCEEDED", job
    line = (await lines(org))["D1"]
    assert (line["billingDate"], line["bookingDate"], line["startDate"]) == (today,) * 3
    assert line["booking"]["bookingDate"] == today
    assert line["revenueSchedule"] == [{"month": today[:8] + "01", "amount": "250.50"}]


async def test_revenue_even_over_the_term_sums_exactly(org: Org) -> None:
    await with_products(org)
    # 7 x 100.00 over 12 months does not divide into cents: the first months carry a cent.
    await import_lines(org, [["R1", "Even Co", "", "SUB", "", "7", "2026-01-10", "", "", ""]])
    schedule = (await lines(org))["R1"]["revenueSchedule"]
    assert len(schedule) == 12
    assert schedule[0]["month"] == "2026-01-01"
    assert sum(Decimal(m["amount"]) for m in schedule) == Decimal("700.00")
    assert {m["amount"] for m in schedule} == {"58.34", "58.33"}
    total = await org.gql('{ revenueSchedule(filter: {from: "2026-03-01", to: "2026-04-30"}) '
                          "{ month amount } }")
    assert [m["month"] for m in total["revenueSchedule"]] == ["2026-03-01", "2026-04-01"]


async def test_custom_billing_and_revenue_recognition(org: Org) -> None:
    await with_products(org)
    job = await import_lines(org, [
        ["B1", "Sky Ltd", "", "SUB", "", "1", "2026-01-01", "", "quarterly", "point in time"],
        ["B2", "Sky Ltd", "", "HW", "", "2", "2026-01-01", "",
         "2026-01-01=300.00; 2026-06-01=201", "2026-01-01=25%; 2026-07-01=75%"],
        ["B3", "Sky Ltd", "", "SUB", "", "1", "2026-01-01", "", "fortnightly", ""],
        ["B4", "Sky Ltd", "", "SUB", "", "1", "2026-01-01", "", "", "2026-01-01=10; 2026-02-01=10"],
        ["B5", "Sky Ltd", "", "HW", "", "1", "2026-01-01", "", "monthly", "sometime"],
    ])
    assert (job["totals"]["created"], job["totals"]["failed"]) == (2, 3), job
    errors = {e["node"]["row"]: e["node"] for e in job["rowErrors"]["edges"]}
    assert errors[4]["code"] == "INVALID_CUSTOM_BILLING"
    assert "fortnightly" in errors[4]["message"]
    assert errors[5]["code"] == "INVALID_REVENUE_RECOGNITION"
    assert "add up to 20" in errors[5]["message"]
    assert errors[5]["column"] == "Custom Rev Recognition"
    # A one-off product billed monthly has no term; "sometime" is no method: both said.
    row_6 = [(e["node"]["code"], e["node"]["message"]) for e in job["rowErrors"]["edges"]
             if e["node"]["row"] == 6]
    assert [code for code, _ in row_6] == ["INVALID_CUSTOM_BILLING",
                                           "INVALID_REVENUE_RECOGNITION"]
    assert "needs a term" in row_6[0][1]
    found = await lines(org)
    b1 = found["B1"]
    assert b1["customBilling"]["frequency"] == "QUARTERLY"
    assert [i["date"] for i in b1["customBilling"]["installments"]] == [
        "2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01"]
    assert b1["customRevenueRecognition"] == {"method": "POINT_IN_TIME"}
    assert b1["revenueSchedule"] == [{"month": "2026-01-01", "amount": "100.00"}]
    b2 = found["B2"]
    assert b2["customBilling"]["frequency"] is None
    assert [i["amount"] for i in b2["customBilling"]["installments"]] == ["300.00", "201"]
    assert b2["revenueSchedule"] == [{"month": "2026-01-01", "amount": "125.25"},
                                     {"month": "2026-07-01", "amount": "375.75"}]


async def test_reimporting_the_same_file_changes_nothing(org: Org) -> None:
    await with_products(org)
    rows = [["A1", "Echo Pty", "O1", "SUB", "", "1", "", "", "", ""],
            ["A2", "Echo Pty", "O2", "SUB", "true", "1", "", "", "", ""],
            ["A3", "Echo Pty", "O3", "UNKNOWN-9", "", "1", "", "", "", ""]]
    first = await import_lines(org, rows)
    assert first["totals"]["created"] == 2, first
    (error,) = [e["node"] for e in first["rowErrors"]["edges"]]
    assert error["code"] == "UNKNOWN_PRODUCT"
    assert "'UNKNOWN-9'" in error["message"]
    before = await lines(org)
    again = await import_lines(org, rows)
    assert again["totals"] == {"rows": 3, "created": 0, "updated": 0, "unchanged": 2,
                               "failed": 1, "skipped": 0}
    assert await lines(org) == before
    assert (await org.gql(BOOKINGS))["bookings"]["totalCount"] == 1
    customers = await org.gql("{ customers { totalCount } }")
    assert customers["customers"]["totalCount"] == 1


async def test_quantity_must_be_a_positive_number(org: Org) -> None:
    await with_products(org)
    job = await import_lines(org, [["Q1", "Q Co", "", "SUB", "", "0", "", "", "", ""],
                                   ["Q2", "Q Co", "", "SUB", "", "lots", "", "", "", ""]])
    codes = [(e["node"]["row"], e["node"]["code"]) for e in job["rowErrors"]["edges"]]
    assert codes == [(2, "INVALID_QUANTITY"), (3, "INVALID_NUMBER")]


async def test_one_workbook_with_customers_products_and_lines(org: Org) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Customers"
    sheet.append(["Customer Name", "Email"])
    sheet.append(["Harbour Hotel", "ops@harbour.example.com"])
    products = workbook.create_sheet("Products")
    for row in PRODUCTS:
        products.append(row)
    product_lines = workbook.create_sheet("Product Lines")
    product_lines.append(HEADERS)
    product_lines.append(["H1", "Harbour Hotel", "OPP-H", "SUB", "FALSE", 2,
                          datetime(2026, 5, 1), None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = await run_import(org, buffer.getvalue(), "all.xlsx", entity="TEMPLATE")
    assert job["status"] == "SUCCEEDED", job
    assert job["totals"]["created"] == 4
    line = (await lines(org))["H1"]
    assert (line["customer"], line["amount"], line["billingDate"]) == (
        {"name": "Harbour Hotel"}, "200.00", "2026-05-01")
    assert (await org.gql("{ customers { totalCount } }"))["customers"]["totalCount"] == 1


async def test_another_orgs_lines_look_missing(org: Org, make_org: Any) -> None:
    await with_products(org)
    await import_lines(org, [["T1", "Secret Co", "OPP", "SUB", "", "1", "2026-01-01", "", "",
                              ""]])
    line = await org.gql('{ productLines { edges { node { id customer { id } '
                         "product { id } } } } }")
    node = line["productLines"]["edges"][0]["node"]
    intruder: Org = await make_org("intruder")
    missing = "UHJvZHVjdExpbmU6NjUwMDAwMDAwMDAwMDAwMDAwMDAwMDAw"  # ProductLine:<unused id>
    read = 'query($id: ID!) { productLine(id: $id) { id } node(id: $id) { id } }'
    theirs = await intruder.gql(read, {"id": node["id"]})
    assert theirs == await intruder.gql(read, {"id": missing}) == {
        "productLine": None, "node": None}
    filtered = await intruder.gql(
        "query($c: ID!, $p: ID!) { byCustomer: productLines(filter: {customerId: $c}) "
        "{ totalCount } byProduct: productLines(filter: {productId: $p}) { totalCount } "
        "bookings(filter: {customerId: $c}) { totalCount } "
        "revenueSchedule(filter: {customerId: $c}) { amount } all: revenueSchedule { amount } }",
        {"c": node["customer"]["id"], "p": node["product"]["id"]})
    assert filtered == {"byCustomer": {"totalCount": 0}, "byProduct": {"totalCount": 0},
                        "bookings": {"totalCount": 0}, "revenueSchedule": [], "all": []}
    # The victim's product ids mean nothing in another catalog.
    job = await import_lines(intruder, [["T1", "Secret Co", "", "SUB", "", "1", "", "", "",
                                         ""]])
    assert [e["node"]["code"] for e in job["rowErrors"]["edges"]] == ["UNKNOWN_PRODUCT"]


async def test_field_keys_cannot_read_finance(org: Org) -> None:
    body = await org.post("{ productLines { totalCount } }", role=Role.FIELD)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await org.gql("{ products { totalCount } }", role=Role.FIELD)) == {
        "products": {"totalCount": 0}}


async def test_products_import_updates_only_what_changed(org: Org) -> None:
    await with_products(org)
    job = await run_import(org, csv_bytes([PRODUCTS[0], ["sub", "", "", "120", ""],
                                           PRODUCTS[2]]), "products.csv", entity="PRODUCTS")
    assert job["totals"] == {"rows": 2, "created": 0, "updated": 1, "unchanged": 1,
                             "failed": 0, "skipped": 0}
    found = await org.gql('{ products { edges { node { importId name unitPrice } } } }')
    assert [e["node"] for e in found["products"]["edges"]] == [
        {"importId": "HW", "name": "Router", "unitPrice": "250.50"},
        {"importId": "SUB", "name": "Cloud Suite", "unitPrice": "120"}]


async def test_a_failed_row_creates_no_customer(org: Org) -> None:
    await with_products(org)
    job = await import_lines(org, [
        ["F1", "Ghost Co", "", "SUB", "true", "1", "2026-01-01", "", "", ""],
        ["F2", "Phantom Co", "", "SUB", "", "1", "2026-01-01", "", "weekly", ""],
        ["F3", "Real Co", "", "SUB", "", "1", "2026-01-01", "", "", ""]])
    assert [e["node"]["code"] for e in job["rowErrors"]["edges"]] == [
        "NOTHING_TO_RENEW", "INVALID_CUSTOM_BILLING"]
    names = await org.gql("{ customers { edges { node { name } } } }")
    assert [e["node"]["name"] for e in names["customers"]["edges"]] == ["Real Co"]

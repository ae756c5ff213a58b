"""Product lines keep their own price: Unit Price and Amount columns win over
the catalog, and what a line bills and recognizes is its own amount.
"""

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Org
from tests.imports import csv_bytes, run_import
from tests.test_product_lines import BOOKINGS, lines, with_products

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
RECURRING_INVOICES = CORPUS / "F14_invoiceninja_v4_recurring_invoices_export.csv"
PAGE = """query($after: String) { productLines(first: 100, after: $after) {
  edges { node { lineId quantity unitPrice amount } } pageInfo { hasNextPage endCursor } } }"""


async def all_lines(org: Org) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    after = None
    while True:
        page = (await org.gql(PAGE, {"after": after}))["productLines"]
        found.update({e["node"]["lineId"]: e["node"] for e in page["edges"]})
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus folder is missing")
async def test_recurring_invoice_lines_match_their_invoices(org: Org) -> None:
    """F14: one item per invoice, each with its own cost. The invoice's Amount is
    the line's: 400 of 400 invoices match (0 did when lines took the catalog price).
    """
    text = RECURRING_INVOICES.read_text(encoding="utf-8")
    # The export's three preamble lines (title, blank, "INVOICES") come before its headers.
    rows = list(csv.reader(io.StringIO(text)))[3:]
    headers, data = rows[0], rows[1:]
    assert (headers[5], headers[19]) == ("Invoice Number", "Item Cost")
    products = [["Import ID", "Product Name", "Recurring", "Term Months"],
                *[[p, p, "yes", "1"] for p in sorted({r[17] for r in data})]]
    job = await run_import(org, csv_bytes(products), "products.csv", entity="PRODUCTS")
    assert job["status"] == "SUCCEEDED", job
    mapping = [{"column": 5, "field": "line_id"}, {"column": 0, "field": "customer"},
               {"column": 17, "field": "product"}, {"column": 20, "field": "quantity"},
               {"column": 10, "field": "billing_date"}, {"column": 10, "field": "start_date"},
               {"column": 3, "field": "custom_billing"}, {"column": 19, "field": "unit_price"}]
    body = "\r\n".join(text.splitlines()[3:]).encode()
    job = await run_import(org, body, "recurring_invoices.csv", entity="PRODUCT_LINES",
                           mapping=mapping)
    assert job["totals"] == {"rows": 401, "created": 400, "updated": 0, "unchanged": 1,
                             "failed": 0, "skipped": 0}, job["rowErrors"]
    invoices = {r[5]: Decimal(r[6].lstrip("$").replace(",", "")) for r in data}
    found = await all_lines(org)
    matched = [number for number, amount in invoices.items()
               if number in found and Decimal(found[number]["amount"]) == amount]
    assert (len(matched), len(invoices)) == (400, 400)
    # The invoice's own Amount agrees with every line's price: no AMOUNT_MISMATCH.
    job = await run_import(org, body, "recurring_invoices.csv", entity="PRODUCT_LINES",
                           mapping=[*mapping, {"column": 6, "field": "amount"}])
    assert job["totals"] == {"rows": 401, "created": 0, "updated": 0, "unchanged": 401,
                             "failed": 0, "skipped": 0}, job


PRICED = ["ID", "Customer", "Product", "Quantity", "Unit Price", "Amount", "Billing Date",
          "Custom Billing"]


async def import_priced(org: Org, rows: list[list[str]]) -> dict[str, Any]:
    return await run_import(org, csv_bytes([PRICED, *rows]), "priced.csv",
                            entity="PRODUCT_LINES")


async def test_own_unit_price_and_amount_win_over_the_catalog(org: Org) -> None:
    await with_products(org)  # SUB 100.00 a year, HW 250.50
    job = await import_priced(org, [
        ["P1", "Acme", "SUB", "3", "90.00", "", "2026-01-01", "quarterly"],
        ["P2", "Acme", "HW", "3", "", "100.00", "2026-01-01", ""],
        ["P3", "Acme", "HW", "10", "", "13.50", "2026-01-01", ""],
        ["P4", "Acme", "HW", "3", "3.333", "10.00", "2026-01-01", ""],
        ["P5", "Acme", "HW", "4", "", "100", "2026-01-01", ""],
        ["P6", "Acme", "HW", "2", "", "", "2026-01-01", ""],
    ])
    assert job["totals"]["created"] == 6, job
    found = await all_lines(org)
    assert {k: (v["unitPrice"], v["amount"]) for k, v in found.items()} == {
        "P1": ("90.00", "270.00"),  # quantity x its own unit price
        "P2": ("33.3333", "100.00"),  # the amount as given; 100.00 / 3 to 4 places
        "P3": ("1.35", "13.50"),  # no finer than the division needs
        "P4": ("3.333", "10.00"),  # 9.999 billed as 10.00: rounded to the cent
        "P5": ("25.00", "100"),
        "P6": ("250.50", "501.00"),  # the catalog's price
    }
    details = await lines(org)
    p1 = details["P1"]
    assert p1["booking"] == {"amount": "270.00", "bookingDate": "2026-01-01"}
    assert [i["amount"] for i in p1["customBilling"]["installments"]] == ["67.50"] * 4
    assert sum(Decimal(m["amount"]) for m in p1["revenueSchedule"]) == Decimal("270.00")
    assert details["P2"]["revenueSchedule"] == [{"month": "2026-01-01", "amount": "100.00"}]
    bookings = (await org.gql(BOOKINGS))["bookings"]["edges"]
    assert sorted(Decimal(b["node"]["amount"]) for b in bookings) == sorted(
        Decimal(v) for v in ("270.00", "100.00", "13.50", "10.00", "100", "501.00"))


async def test_an_amount_that_contradicts_its_price_fails_the_row(org: Org) -> None:
    await with_products(org)
    job = await import_priced(org, [
        ["M1", "Acme", "HW", "2", "50.00", "120.00", "2026-01-01", ""],
        ["M2", "Acme", "HW", "3", "3.333", "10.01", "2026-01-01", ""],
        ["M3", "Acme", "HW", "2", "50.00", "100.00", "2026-01-01", ""],
    ])
    assert (job["totals"]["created"], job["totals"]["failed"]) == (1, 2), job
    errors = [e["node"] for e in job["rowErrors"]["edges"]]
    assert [(e["row"], e["code"], e["field"]) for e in errors] == [
        (2, "AMOUNT_MISMATCH", "amount"), (3, "AMOUNT_MISMATCH", "amount")]
    assert "120.00" in errors[0]["message"]
    assert "100.00" in errors[0]["message"]
    assert "10.01" in errors[1]["message"]
    assert "9.999" in errors[1]["message"]
    assert list(await lines(org)) == ["M3"]


async def test_out_of_range_values_fail_their_rows_not_the_job(org: Org) -> None:
    """One line with Term Months 100000, an End Date in 9999 or a quantity 1e999999
    failed the whole job ("year 10000 is out of range"), and every retry again.
    """
    await with_products(org)
    headers = ["ID", "Customer", "Product", "Quantity", "Start Date", "End Date", "Term Months"]
    rows = [["X1", "Acme", "SUB", "1", "2026-01-01", "", "100000"],
            ["X2", "Acme", "SUB", "1", "2026-01-01", "9999-12-31", ""],
            ["X3", "Acme", "SUB", "1e999999", "2026-01-01", "", ""],
            ["X4", "Acme", "SUB", "1", "2026-01-01", "2150-01-01", ""],
            ["OK", "Acme", "SUB", "1", "2026-01-01", "", "1200"]]
    for _ in range(2):  # and the same again
        job = await run_import(org, csv_bytes([headers, *rows]), "lines.csv",
                               entity="PRODUCT_LINES")
        assert job["status"] == "COMPLETED_WITH_ERRORS", job
        assert (job["totals"]["rows"], job["totals"]["failed"]) == (5, 4), job
        errors = [e["node"] for e in job["rowErrors"]["edges"]]
        # Cells out of their field's range fail as they are read (OUT_OF_RANGE); a
        # term worked out from the dates fails in the loader.
        assert [(e["row"], e["code"], e["field"]) for e in errors] == [
            (2, "OUT_OF_RANGE", "term_months"), (3, "OUT_OF_RANGE", "end_date"),
            (4, "OUT_OF_RANGE", "quantity"), (5, "INVALID_TERM", "end_date")]
    line = (await lines(org))["OK"]
    assert (line["termMonths"], line["endDate"]) == (1200, "2125-12-31")
    assert len(line["revenueSchedule"]) == 1200

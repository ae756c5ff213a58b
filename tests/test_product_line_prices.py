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
    assert headers[5] == "Invoice Number" and headers[19] == "Item Cost"
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
    assert job["totals"]["failed"] == 0, job["rowErrors"]
    invoices = {r[5]: Decimal(r[6].lstrip("$").replace(",", "")) for r in data}
    found = await all_lines(org)
    matched = [number for number, amount in invoices.items()
               if number in found and Decimal(found[number]["amount"]) == amount]
    assert (len(matched), len(invoices)) == (400, 400)

"""Files as they really come: XLS and ODS, CSV in several encodings and delimiters."""

from pathlib import Path

import pytest

from tests.conftest import Org
from tests.imports import run_import

FIXTURES = Path(__file__).parent / "fixtures"
NAMES = """query { customers { edges { node { name email phone customerType { name }
  sites { name address { line1 suburb } } } } } }"""


async def test_xls_customers_then_ods_sites(org: Org) -> None:
    job = await run_import(org, (FIXTURES / "customers.xls").read_bytes(), "customers.xls",
                           entity="CUSTOMERS")
    assert (job["format"], job["status"], job["totals"]["created"]) == ("XLS", "SUCCEEDED", 2)
    job = await run_import(org, (FIXTURES / "sites.ods").read_bytes(), "sites.ods",
                           entity="SITES")
    assert (job["format"], job["status"], job["totals"]["created"]) == ("ODS", "SUCCEEDED", 2)
    customers = [e["node"] for e in (await org.gql(NAMES))["customers"]["edges"]]
    assert customers == [
        {"name": "Legacy Plumbing", "email": "office@legacy.example", "phone": "+61298765432",
         "customerType": {"name": "Commercial"},
         "sites": [{"name": "Workshop", "address": {"line1": "7 Forge Lane", "suburb": "Newtown"}},
                   {"name": "Depot", "address": {"line1": "9 Yard St", "suburb": "Oldtown"}}]},
        {"name": "Old Mate Electrical", "email": None, "phone": "+61412000111",
         "customerType": {"name": "Residential"}, "sites": []},
    ]


TEXT = ('Customer Name{d}Notes{d}Site Suburb\r\n'
        'Café Zoë{d}"Line one\nline two, with {d} inside"{d}Nörth Sydney\r\n'
        'Ångström Pty{d}plain{d}Brisbane\r\n')


@pytest.mark.parametrize(("encoding", "delimiter"), [
    ("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", ";"), ("utf-16", "\t"), ("utf-8", "|"),
    ("cp1252", ","),
])
async def test_csv_encodings_and_delimiters(org: Org, encoding: str, delimiter: str) -> None:
    data = TEXT.format(d=delimiter).encode(encoding)
    job = await run_import(org, data, "export.csv", entity="CUSTOMERS", mapping=[
        {"header": "Customer Name", "field": "name"},
        {"header": "Notes", "field": "custom:Notes"},
        {"header": "Site Suburb", "field": "site_address.suburb"}])
    assert job["status"] == "SUCCEEDED", job
    found = await org.gql('{ customerByName(name: "café zoë") { name '
                          "customFields { value } siteAddress { suburb } } }")
    assert found["customerByName"] == {
        "name": "Café Zoë",
        "customFields": [{"value": f"Line one\nline two, with {delimiter} inside"}],
        "siteAddress": {"suburb": "Nörth Sydney"}}
    assert (await org.gql('{ customerByName(name: "ångström pty") { name } }')) == {
        "customerByName": {"name": "Ångström Pty"}}


async def test_too_many_columns_is_refused_before_queueing(org: Org) -> None:
    from tests.imports import upload

    wide = ",".join(f"c{n}" for n in range(1001)).encode() + b"\n" + b"x," * 1000 + b"x\n"
    payload = await upload(org, wide, "wide.csv", entity="CUSTOMERS")
    assert payload["job"] is None
    assert payload["userErrors"][0]["code"] == "TOO_MANY_COLUMNS"
    assert "1,001 columns" in payload["userErrors"][0]["message"]

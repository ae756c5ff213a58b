"""The header row wherever it is, proposals that look at values, and text files
in the code pages offices really use (issue 10).
"""

from typing import Any

from documents.api_key import Role
from tests.conftest import Org
from tests.imports import csv_bytes, run_import, send_file, upload

ANALYZE = """mutation($file: Upload!, $input: ImportAnalyzeInput!) {
  importAnalyze(file: $file, input: $input) {
    analysis { hasHeaders headerRow headers sampleRows rowCount
               suggestedMapping { column header field confidence reason }
               unmappedColumns unproposedColumns { column header samples reason } }
    userErrors { code message field }
  }
}"""

PREAMBLE = [
    ["Books Pro v4.5 - December 19, 2020 11:28 pm", "", "", "", ""],
    ["", "", "", "", ""],
    ["CLIENTS", "", "", "", ""],
    ["Name", "Balance", "Billing City", "Email", "Phone"],
    ["Acme Pty", "$-142.85", "Lornamouth", "acme@x.example", "02 9999 0001"],
    ["Bravo Ltd", "$310.81", "Vicentastad", "bravo@x.example", "02 9999 0002"],
    ["Carbon Co", "$0.00", "Bernierbury", "not an email", "02 9999 0003"],
]


async def analyze(org: Org, data: bytes, file_name: str, **options: Any) -> dict[str, Any]:
    payload = await send_file(org, ANALYZE, data, file_name, Role.OFFICE, options)
    assert payload["userErrors"] == [], payload
    analysis: dict[str, Any] = payload["analysis"]
    return analysis


def fields(analysis: dict[str, Any]) -> dict[str, str]:
    return {s["header"]: s["field"] for s in analysis["suggestedMapping"]}


async def customer_names(org: Org) -> list[str]:
    found = await org.gql("{ customers(first: 50) { edges { node { name } } } }")
    return sorted(e["node"]["name"] for e in found["customers"]["edges"])


async def test_the_header_row_is_found_under_a_preamble_and_rows_above_it_are_not_data(
        org: Org) -> None:
    data = csv_bytes(PREAMBLE)
    analysis = await analyze(org, data, "clients.csv", entity="CUSTOMERS")
    assert (analysis["headerRow"], analysis["hasHeaders"]) == (4, True)
    assert analysis["headers"] == PREAMBLE[3]
    assert analysis["rowCount"] == 3
    assert analysis["sampleRows"][0] == PREAMBLE[4]
    assert fields(analysis) == {"Name": "name", "Billing City": "billing_address.suburb",
                                "Email": "email", "Phone": "phone"}
    city = next(s for s in analysis["suggestedMapping"] if s["header"] == "Billing City")
    assert city["confidence"] == 1.0
    assert city["reason"] == "alias 'Billing City' of Billing Suburb; 3 of 3 values fit"
    (balance,) = analysis["unproposedColumns"]
    assert balance == {"column": 1, "header": "Balance", "samples": ["$-142.85", "$310.81",
                                                                     "$0.00"], "reason": None}

    # importFile without a header row finds the same one: the title and "CLIENTS"
    # are not customers, and a row's number is the one the sheet shows.
    job = await run_import(org, data, "clients.csv", entity="CUSTOMERS")
    found = await org.gql("query($id: ID!) { importJob(id: $id) { headerRow } }",
                          {"id": job["id"]})
    assert found["importJob"]["headerRow"] == 4
    assert job["totals"]["rows"] == 3
    assert [(e["node"]["row"], e["node"]["code"]) for e in job["rowErrors"]["edges"]] == [
        (7, "INVALID_EMAIL")]
    assert await customer_names(org) == ["Acme Pty", "Bravo Ltd"]


async def test_comment_lines_and_a_header_row_given(org: Org) -> None:
    data = csv_bytes([["# exported by Ledger 2.1", ""], ["# all clients", ""],
                      ["Client Name", "Email"], ["Delta", "d@x.example"]])
    analysis = await analyze(org, data, "c.csv", entity="CUSTOMERS")
    assert analysis["headerRow"] == 3
    assert fields(analysis) == {"Client Name": "name", "Email": "email"}

    # A header row given is taken as it is; rows above it are not data.
    given = await analyze(org, data, "c.csv", entity="CUSTOMERS", headerRow=2)
    assert (given["headerRow"], given["headers"], given["rowCount"]) == (
        2, ["# all clients", ""], 2)
    none = await analyze(org, data, "c.csv", entity="CUSTOMERS", headerRow=None)
    assert (none["headerRow"], none["hasHeaders"], none["rowCount"]) == (None, False, 4)
    bad = await send_file(org, ANALYZE, data, "c.csv", Role.OFFICE,
                          {"entity": "CUSTOMERS", "headerRow": 0})
    assert [(e["code"], e["field"]) for e in bad["userErrors"]] == [
        ("INVALID", ["input", "headerRow"])]


async def test_a_headerless_file_imported_with_a_mapping_keeps_its_first_row(org: Org) -> None:
    data = csv_bytes([["Echo Pty", "echo@x.example"], ["Foxtrot Ltd", "fox@x.example"]])
    analysis = await analyze(org, data, "raw.csv", entity="CUSTOMERS")
    assert (analysis["headerRow"], analysis["rowCount"]) == (None, 2)
    assert [u["header"] for u in analysis["unproposedColumns"]] == ["A", "B"]
    unmapped = await upload(org, data, "raw.csv", entity="CUSTOMERS")
    assert [(e["code"], e["field"]) for e in unmapped["userErrors"]] == [
        ("REQUIRED", ["input", "mapping"])]
    assert unmapped["userErrors"][0]["message"].startswith("No header row was found")
    job = await run_import(org, data, "raw.csv", entity="CUSTOMERS",
                           mapping=[{"column": 0, "field": "name"},
                                    {"column": 1, "field": "email"}])
    assert job["totals"]["created"] == 2
    assert await customer_names(org) == ["Echo Pty", "Foxtrot Ltd"]


async def test_a_saved_mapping_remembers_its_header_row(org: Org) -> None:
    data = csv_bytes(PREAMBLE)
    payload = await upload(org, data, "clients.csv", entity="CUSTOMERS",
                           mapping=[{"header": "Name", "field": "name"}],
                           saveMappingAs="Books Pro clients")
    assert payload["userErrors"] == []
    saved = await org.gql("{ savedMappings(entity: CUSTOMERS) { id hasHeaders headerRow } }")
    (mapping,) = saved["savedMappings"]
    assert (mapping["hasHeaders"], mapping["headerRow"]) == (True, 4)

    # The next export of the same layout, imported with it, starts under row 4.
    later = csv_bytes([*PREAMBLE[:4], ["Golf Inc", "$1.00", "Perth", "g@x.example", ""]])
    job = await run_import(org, later, "clients-2.csv", entity="CUSTOMERS",
                           savedMappingId=mapping["id"])
    assert (job["totals"]["rows"], job["totals"]["created"]) == (1, 1)

    no_headers = await org.gql(
        'mutation { mappingSave(input: {name: "Raw", entity: CUSTOMERS, headerRow: null, '
        'mapping: [{column: 0, field: "name"}]}) { mapping { hasHeaders headerRow } '
        "userErrors { code } } }")
    assert no_headers["mappingSave"] == {"mapping": {"hasHeaders": False, "headerRow": None},
                                         "userErrors": []}


async def test_values_decide_what_is_proposed(org: Org) -> None:
    # A yes/no column is never the billing customer, an amount never a name.
    sites = csv_bytes([["Site Name", "Customer", "Paid to Date", "Client", "Address"],
                       ["Depot", "TRUE", "$205.15", "Acme Pty", "1 Quay St"],
                       ["Yard", "FALSE", "$13.50", "Bravo Ltd", "2 Quay St"],
                       ["Shed", "TRUE", "$0.00", "Acme Pty", "3 Quay St"]])
    analysis = await analyze(org, sites, "sites.csv", entity="SITES")
    assert fields(analysis) == {"Site Name": "name", "Client": "billing_customer",
                                "Address": "address.line1"}
    customer = next(u for u in analysis["unproposedColumns"] if u["header"] == "Customer")
    assert customer["reason"] == ("alias 'Customer' of Billing Customer, but 0 of 3 values "
                                  "fit (name wanted)")

    # Months of warranty are not a date; the same header twice is told apart by position.
    equipment = csv_bytes([["Customer", "Item Name", "Warranty", "Serial", "Installed"],
                           ["Acme Pty", "Chiller", "14", "SN-1", "4/5/16"],
                           ["Acme Pty", "Boiler", "12", "SN-2", "3/8/16"]])
    analysis = await analyze(org, equipment, "assets.csv", entity="EQUIPMENT")
    assert fields(analysis) == {"Customer": "customer", "Item Name": "name",
                                "Serial": "serial_number", "Installed": "install_date"}
    contacts = csv_bytes([["Customer Name", "Phone", "Email", "Phone"],
                          ["Acme Pty", "", "ann@x.example", "0400 000 001"]])
    analysis = await analyze(org, contacts, "c.csv", entity="CONTACTS")
    assert {(s["column"], s["field"]) for s in analysis["suggestedMapping"]} == {
        (0, "customer"), (1, "phone"), (2, "email"), (3, "mobile")}
    assert {s["confidence"] for s in analysis["suggestedMapping"] if s["column"] == 3} == {0.6}

    # A misspelt header is read as the word it was meant to be, never with confidence.
    typed = csv_bytes([["Cusotmer Name", "Adress", "Stage", "Phone"],
                       ["Acme Pty", "1 Quay St", "Lead", "02 9999 0001"]])
    analysis = await analyze(org, typed, "typed.csv", entity="CUSTOMERS")
    assert {(s["header"], s["field"], s["confidence"]) for s in analysis["suggestedMapping"]} == {
        ("Cusotmer Name", "name", 0.7), ("Adress", "site_address.line1", 0.7),
        ("Phone", "phone", 1.0)}


async def test_the_source_systems_identifier_is_the_account_number(org: Org) -> None:
    await org.mutate('mutation { settingsUpdate(input: {customerLabel: "Client"}) '
                     "{ userErrors { code } } }", role=Role.ADMIN)
    data = csv_bytes([["Client ID", "Client", "Client Type", "Shipping City", "Billing Code"],
                      ["C-001", "Acme Pty", "Retail", "Perth", "6000"],
                      ["C-002", "Bravo Ltd", "Trade", "Sydney", "2000"]])
    analysis = await analyze(org, data, "clients.csv", entity="CUSTOMERS")
    assert fields(analysis) == {"Client ID": "account_number", "Client": "name",
                                "Client Type": "customer_type",
                                "Shipping City": "site_address.suburb",
                                "Billing Code": "billing_address.postcode"}
    assert all(s["confidence"] >= 0.9 for s in analysis["suggestedMapping"])
    listed = await org.gql("{ importFields(entity: CUSTOMERS) { key valueKind } }")
    kinds = {f["key"]: f["valueKind"] for f in listed["importFields"]}
    assert (kinds["account_number"], kinds["email"], kinds["site_address.postcode"]) == (
        "CODE", "EMAIL", "POSTCODE")


async def test_western_and_classic_mac_text_decode_as_written(org: Org) -> None:
    rows = [["Customer Name", "Suburb"], ["Café Rouge", "Zürich"], ["Smørrebrød A/S", "Århus"]]
    windows = csv_bytes(rows, delimiter=";", encoding="cp1252")
    analysis = await analyze(org, windows, "office.csv", entity="CUSTOMERS")
    assert analysis["sampleRows"] == rows[1:]
    mac = "\r".join(",".join(row) for row in rows).encode("mac_roman")
    analysis = await analyze(org, mac, "mac.csv", entity="CUSTOMERS")
    assert analysis["sampleRows"] == rows[1:]
    # A Cyrillic file, which cp1252 would also "read", keeps its own code page.
    russian = [["Customer Name", "Suburb"], ["Иванов и партнёры", "Москва"],
               ["Петров", "Санкт-Петербург"], ["Сидоров", "Новосибирск"]]
    analysis = await analyze(org, csv_bytes(russian, encoding="cp1251"), "ru.csv",
                             entity="CUSTOMERS")
    assert analysis["sampleRows"] == russian[1:]

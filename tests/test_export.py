"""Export: every entity's file imports back unchanged with no mapping step, and
one changed cell imports as one updated row (the promise of issue 12).
"""

import csv
import io
from datetime import date, datetime
from typing import Any

import pytest

from documents.api_key import Role
from importers.fields import FIELDS, Entity
from tests.conftest import Org
from tests.exports import edited, export_file, sheet_rows, workbook_bytes
from tests.imports import run_import
from tests.test_import_mapping import analyze

CUSTOMERS = [
    [f.label for f in FIELDS[Entity.CUSTOMERS]],
    ["Harbour Property Management", "Harbour PM Pty Ltd", None, None, "office@harbour.example",
     "02 9999 1234", None, "Property Manager", "Referral", "Net 30", "Trade", "Sam Tech",
     "1 Harbour St", "Level 2", "Sydney", "NSW", "2000", "Australia",
     None, None, None, None, None, None, "Yes", None, None, None, "HPM-001"],
    ["Unit 4 Tenant", None, "Alex", "Ng", None, None, "0412 345 678", "Tenant", None, None,
     None, None, "4/10 Beach Rd", None, "Manly", "NSW", "2095", "Australia",
     "PO Box 7", None, "Manly", "NSW", "2095", "Australia", "No",
     "Harbour Property Management", "Jo Smith", "T-0004", "U4-77"],
    ["=Risky & Co", "+Plus Pty", None, None, None, None, None, None, None, None, None, None,
     "-5 Minus Lane", None, None, None, None, None,
     None, None, None, None, None, None, None, None, None, None, None],
]
PRODUCTS = [
    [f.label for f in FIELDS[Entity.PRODUCTS]],
    ["P-100", "Annual Support", "Yes", 1200.5, "AUD", 12, "Yes"],
    ["P-200", "Install Kit", "No", 15000, "JPY", None, "Yes"],
    ["P-300", "Widget", "No", "19.95", "AUD", None, "No"],
]
LINES = [
    [f.label for f in FIELDS[Entity.PRODUCT_LINES]],
    # Unit Price and Amount left empty: the catalog price is the line's.
    ["L-1", "Harbour Property Management", "Opp A", "P-100", "No", 1, None, None,
     date(2026, 1, 1),
     date(2025, 12, 15), None, None, None, "quarterly", None],
    ["L-2", "Harbour Property Management", "Opp B", "P-100", "Yes", 1, None, None,
     date(2027, 1, 1),
     None, None, None, None, None, "point in time 2027-01-15"],
    ["L-3", "Unit 4 Tenant", None, "P-300", "No", 3, None, None, date(2026, 2, 1), None, None,
     None, None,
     "2026-02-01=29.85; 2026-03-01=30", "2026-02-01=40%; 2026-03-01=60%"],
]
SITES = [
    [f.label for f in FIELDS[Entity.SITES]],
    ["Head Office", "1 Harbour St", "Level 2", "Sydney", "Harbour Property Management", "NSW",
     "2000", "Australia", "Jo Smith", "02 9999 1234", "jo@harbour.example", "Gate code 1234"],
    ["Unit 4", "4/10 Beach Rd", None, "Manly", "Unit 4 Tenant", "NSW", "2095", None, None, None,
     None, None],
]
CONTACTS = [
    [f.label for f in FIELDS[Entity.CONTACTS]],
    ["Harbour Property Management", "Jo", "Smith", "Manager", "jo@harbour.example",
     "02 9999 1234", "0400 000 001", "Yes"],
    ["Unit 4 Tenant", "Alex", "Ng", None, None, None, "0412 345 678", "No"],
]
EQUIPMENT = [
    [f.label for f in FIELDS[Entity.EQUIPMENT]],
    ["Harbour Property Management", "Head Office", "Air Con 1", "Daikin", "X1", "SN-1",
     date(2024, 3, 15), date(2027, 3, 14)],
    ["Unit 4 Tenant", "Unit 4", "Hot Water", "Rheem", None, None, None, None],
]
ENTITY_ROWS = {"CUSTOMERS": 3, "SITES": 2, "CONTACTS": 2, "EQUIPMENT": 2, "PRODUCTS": 3,
               "PRODUCT_LINES": 3}
# One cell to change per entity: (header, data row, new value).
EDITS = {"CUSTOMERS": ("Company Name", 0, "Harbour Strata"), "SITES": ("Notes", 0, "New gate"),
         "CONTACTS": ("Role", 0, "Director"), "EQUIPMENT": ("Model", 0, "X2"),
         "PRODUCTS": ("Product Name", 0, "Premium Support"),
         "PRODUCT_LINES": ("Opportunity", 0, "Opp Z")}


async def seed(org: Org) -> None:
    for mutation in ('paymentTermCreate(input: {name: "Net 30"})',
                     'priceLevelCreate(input: {name: "Trade"})',
                     'userCreate(input: {name: "Sam Tech"})'):
        await org.mutate(f"mutation {{ {mutation} {{ userErrors {{ code message }} }} }}",
                         role=Role.ADMIN)
    job = await run_import(org, workbook_bytes({
        "Customers": CUSTOMERS, "Products": PRODUCTS, "Product Lines": LINES, "Sites": SITES,
        "Contacts": CONTACTS, "Equipment": EQUIPMENT}), "seed.xlsx", entity="TEMPLATE")
    assert job["totals"]["failed"] == 0, job["rowErrors"]
    assert job["totals"]["created"] == 15, job


def unchanged(job: dict[str, Any], rows: int) -> None:
    assert job["status"] == "SUCCEEDED", job
    assert job["totals"] == {"rows": rows, "created": 0, "updated": 0, "unchanged": rows,
                             "failed": 0, "skipped": 0}, job


def csv_edited(data: bytes, header: str, row: int, value: str) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    rows[row + 1][rows[0].index(header)] = value
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


@pytest.mark.parametrize("export_format", ["XLSX", "CSV"])
@pytest.mark.parametrize("entity", list(ENTITY_ROWS))
async def test_each_entity_imports_back_unchanged_and_one_edit_is_one_update(
        org: Org, entity: str, export_format: str) -> None:
    await seed(org)
    data = await export_file(org, entity, export_format)
    name = f"export.{export_format.lower()}"
    rows = ENTITY_ROWS[entity]
    unchanged(await run_import(org, data, name, entity=entity), rows)

    header, row, value = EDITS[entity]
    changed = (csv_edited(data, header, row, value) if export_format == "CSV"
               else edited(data, sheet_rows_title(data), header, row, value))
    job = await run_import(org, changed, name, entity=entity)
    assert job["totals"] == {"rows": rows, "created": 0, "updated": 1, "unchanged": rows - 1,
                             "failed": 0, "skipped": 0}, job
    again = await export_file(org, entity, export_format)
    assert again != data  # the edit is in the next export
    unchanged(await run_import(org, again, name, entity=entity), rows)


def sheet_rows_title(data: bytes) -> str:
    from openpyxl import load_workbook
    return load_workbook(io.BytesIO(data), read_only=True).sheetnames[0]


async def test_the_template_export_imports_back_unchanged(org: Org) -> None:
    await seed(org)
    data = await export_file(org, "TEMPLATE")
    unchanged(await run_import(org, data, "template.xlsx", entity="TEMPLATE"), 15)
    changed = edited(data, "Sites", "Notes", 1, "Back door")
    job = await run_import(org, changed, "template.xlsx", entity="TEMPLATE")
    assert job["totals"]["updated"] == 1, job
    assert job["totals"]["unchanged"] == 14, job


async def test_the_template_export_is_the_standard_template_filled(org: Org) -> None:
    await seed(org)
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(await export_file(org, "TEMPLATE")))
    assert workbook.sheetnames == ["Instructions", "Customers", "Products", "Product Lines",
                                   "Sites", "Contacts", "Equipment", "Lists"]
    assert workbook["Lists"].sheet_state == "hidden"
    customers = workbook["Customers"]
    assert [c.value for c in customers[1]] == [f.label for f in FIELDS[Entity.CUSTOMERS]]
    lists = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1
             for dv in customers.data_validations.dataValidation}
    # Payment Term (column J) drops down the org's terms; booleans Yes/No.
    assert "Lists" in lists["J"]
    assert lists["Y"] == '"Yes,No"'
    lists_rows = [list(r) for r in workbook["Lists"].iter_rows(values_only=True)]
    assert "Net 30" in [row[lists_rows[0].index("payment_term")] for row in lists_rows]


async def test_cells_are_typed_formula_safe_and_use_the_org_word(org: Org) -> None:
    await seed(org)
    await org.mutate('mutation { settingsUpdate(input: {customerLabel: "Client"}) '
                     '{ userErrors { code message } } }', role=Role.ADMIN)
    from openpyxl import load_workbook

    customers = load_workbook(io.BytesIO(await export_file(org, "CUSTOMERS")))
    sheet = customers.worksheets[0]
    assert sheet.title == "Clients"
    headers = [c.value for c in sheet[1]]
    assert headers[0] == "Client Name"
    assert "Billing Client" in headers
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    risky = cells["'=Risky & Co"]  # text, never a formula
    assert risky[0].data_type == "s"
    assert risky[1].value == "'+Plus Pty"
    assert risky[12].value == "'-5 Minus Lane"
    harbour = cells["Harbour Property Management"]
    phone = harbour[headers.index("Phone")]
    assert phone.data_type == "s"
    assert phone.value == "'+61299991234"

    products = load_workbook(io.BytesIO(await export_file(org, "PRODUCTS"))).worksheets[0]
    prices = {row[0].value: row[3] for row in products.iter_rows(min_row=2)}
    assert prices["P-100"].value == 1200.5
    assert prices["P-100"].number_format == "#,##0.00"
    assert prices["P-200"].value == 15000
    assert prices["P-200"].number_format == "#,##0"
    assert prices["P-300"].value == 19.95

    lines = load_workbook(io.BytesIO(await export_file(org, "PRODUCT_LINES"))).worksheets[0]
    column = [c.value for c in lines[1]].index("Billing Date")
    billing = [row[column] for row in lines.iter_rows(min_row=2)]
    prices_at_sale = [row[column - 2] for row in lines.iter_rows(min_row=2)]
    assert prices_at_sale[0].value == 1200.5  # Unit Price: the line's own, a number cell
    assert billing[0].is_date
    assert billing[0].value == datetime(2026, 1, 1)

    text = (await export_file(org, "CUSTOMERS", "CSV")).decode("utf-8")
    assert text.startswith("\ufeffClient Name,")
    assert "'=Risky & Co" in text


async def test_filters_are_the_list_queries_filters(org: Org) -> None:
    await seed(org)
    rows = sheet_rows(await export_file(org, "CUSTOMERS", customers={"search": "harbour"}))
    assert [r[0] for r in rows[1:]] == ["Harbour Property Management"]
    lines = sheet_rows(await export_file(org, "PRODUCT_LINES", productLines={"renewal": True}))
    assert [r[0] for r in lines[1:]] == ["L-2"]
    products = sheet_rows(await export_file(org, "PRODUCTS", products={"active": True}))
    assert [r[0] for r in products[1:]] == ["P-100", "P-200"]
    sites = sheet_rows(await export_file(org, "SITES", sites={"search": "manly"}))
    assert [r[0] for r in sites[1:]] == ["Unit 4"]


async def seed_lookups(org: Org) -> None:
    for mutation in ('paymentTermCreate(input: {name: "Net 30"})',
                     'priceLevelCreate(input: {name: "Trade"})',
                     'userCreate(input: {name: "Sam Tech"})'):
        await org.mutate(f"mutation {{ {mutation} {{ userErrors {{ code message }} }} }}",
                         role=Role.ADMIN)


@pytest.mark.parametrize("export_format", ["XLSX", "CSV"])
async def test_nothing_is_lost_an_export_imported_elsewhere_exports_the_same(
        org: Org, make_org: Any, export_format: str) -> None:
    # "Unchanged" alone would pass for a column left blank (a blank cell never
    # erases); an empty organization filled from the export must export the same.
    await seed(org)
    other = await make_org("elsewhere")
    await seed_lookups(other)
    entities = (["TEMPLATE"] if export_format == "XLSX"
                else ["CUSTOMERS", "PRODUCTS", "PRODUCT_LINES", "SITES", "CONTACTS", "EQUIPMENT"])
    for entity in entities:
        data = await export_file(org, entity, export_format)
        job = await run_import(other, data, f"moved.{export_format.lower()}", entity=entity)
        assert job["totals"]["failed"] == 0, job
        assert job["totals"]["updated"] == 0, job
    for entity in entities:
        mine, theirs = (await export_file(org, entity, export_format),
                        await export_file(other, entity, export_format))
        if export_format == "CSV":
            assert theirs.decode() == mine.decode()
        else:
            from openpyxl import load_workbook
            for title in load_workbook(io.BytesIO(mine), read_only=True).sheetnames:
                assert sheet_rows(theirs, title) == sheet_rows(mine, title), title


CUSTOM_MAPPING = [*({"header": f.label, "field": f.key} for f in FIELDS[Entity.CUSTOMERS]),
                  {"header": "Custom: Gate Code", "field": "custom:Gate Code"},
                  {"header": "Custom: Key Safe", "field": "custom:Key Safe"}]


async def seed_custom_fields(org: Org) -> None:
    header = ["Customer Name", "Gate Code", "Key Safe"]
    rows = [header, ["Harbour Property Management", "1234", "=A1"], ["Unit 4 Tenant", "", "K9"]]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    job = await run_import(org, out.getvalue().encode(), "custom.csv", entity="CUSTOMERS",
                           mapping=[{"header": "Customer Name", "field": "name"},
                                    {"header": "Gate Code", "field": "custom:Gate Code"},
                                    {"header": "Key Safe", "field": "custom:Key Safe"}])
    assert job["totals"]["failed"] == 0, job


async def test_custom_fields_are_columns_after_the_template_columns(org: Org) -> None:
    await seed(org)
    await seed_custom_fields(org)
    rows = sheet_rows(await export_file(org, "CUSTOMERS"))
    width = len(FIELDS[Entity.CUSTOMERS])
    assert rows[0][width:] == ["Custom: Gate Code", "Custom: Key Safe"]
    by_name = {row[0]: row[width:] for row in rows[1:]}
    assert by_name["Harbour Property Management"] == ["1234", "'=A1"]
    assert by_name["Unit 4 Tenant"] == [None, "K9"]
    assert by_name["'=Risky & Co"] == [None, None]


async def test_custom_fields_import_back_with_their_custom_mapping(org: Org) -> None:
    await seed(org)
    await seed_custom_fields(org)
    data = await export_file(org, "CUSTOMERS")
    unchanged(await run_import(org, data, "c.xlsx", entity="CUSTOMERS",
                               mapping=CUSTOM_MAPPING), 3)
    changed = edited(data, "Customers", "Custom: Gate Code", 0, "9999")
    job = await run_import(org, changed, "c.xlsx", entity="CUSTOMERS", mapping=CUSTOM_MAPPING)
    assert job["totals"]["updated"] == 1, job
    assert job["totals"]["unchanged"] == 2, job


CUSTOM_FIELDS_QUERY = """query { customers(first: 10) { nodes { name
  customFields { key value } } } }"""


async def custom_fields_of(org: Org) -> dict[str, dict[str, str]]:
    data = await org.gql(CUSTOM_FIELDS_QUERY)
    return {c["name"]: {f["key"]: f["value"] for f in c["customFields"]}
            for c in data["customers"]["nodes"]}


@pytest.mark.parametrize("export_format", ["XLSX", "CSV"])
async def test_custom_field_edits_import_back_with_no_mapping(org: Org,
                                                              export_format: str) -> None:
    # Exported custom field columns are headed "Custom: <Label>", which the
    # import's proposal reads as that custom field: no mapping step.
    await seed(org)
    await seed_custom_fields(org)
    data = await export_file(org, "CUSTOMERS", export_format)
    name = f"c.{export_format.lower()}"
    unchanged(await run_import(org, data, name, entity="CUSTOMERS"), 3)
    changed = (csv_edited(data, "Custom: Gate Code", 0, "9999") if export_format == "CSV"
               else edited(data, "Customers", "Custom: Gate Code", 0, "9999"))
    job = await run_import(org, changed, name, entity="CUSTOMERS")
    assert job["totals"]["updated"] == 1, job
    assert job["totals"]["unchanged"] == 2, job
    # Data row 0 is "=Risky & Co" (name order), which had no custom fields.
    assert await custom_fields_of(org) == {
        "=Risky & Co": {"Gate Code": "9999"},
        "Harbour Property Management": {"Gate Code": "1234", "Key Safe": "=A1"},
        "Unit 4 Tenant": {"Key Safe": "K9"}}


async def test_custom_field_columns_are_proposed_and_read_by_the_template_import(
        org: Org) -> None:
    await seed(org)
    await seed_custom_fields(org)
    data = await export_file(org, "CUSTOMERS")
    analysis = (await analyze(org, data, "c.xlsx", entity="CUSTOMERS"))["analysis"]
    proposed = {s["header"]: (s["field"], s["confidence"]) for s in analysis["suggestedMapping"]}
    assert proposed["Custom: Gate Code"] == ("custom:Gate Code", 1.0)
    assert proposed["Custom: Key Safe"] == ("custom:Key Safe", 1.0)
    assert analysis["unmappedColumns"] == []

    template = await export_file(org, "TEMPLATE")
    job = await run_import(org, template, "t.xlsx", entity="TEMPLATE")
    unchanged(job, 15)
    # The Instructions and Lists sheets are said to be skipped; no column is.
    assert {e["node"]["code"] for e in job["rowWarnings"]["edges"]} == {"UNKNOWN_SHEET"}, job
    changed = edited(template, "Customers", "Custom: Key Safe", 2, "K10")  # Unit 4 Tenant
    job = await run_import(org, changed, "t.xlsx", entity="TEMPLATE")
    assert job["totals"]["updated"] == 1, job
    assert (await custom_fields_of(org))["Unit 4 Tenant"] == {"Key Safe": "K10"}


@pytest.mark.parametrize("label", ["Client", "Tenant"])
async def test_headers_in_the_org_word_import_back(org: Org, label: str) -> None:
    await seed(org)
    await org.mutate(f'mutation {{ settingsUpdate(input: {{customerLabel: "{label}"}}) '
                     '{ userErrors { code message } } }', role=Role.ADMIN)
    for entity in ("CUSTOMERS", "SITES", "CONTACTS", "EQUIPMENT", "PRODUCT_LINES"):
        data = await export_file(org, entity, "CSV")
        unchanged(await run_import(org, data, "e.csv", entity=entity), ENTITY_ROWS[entity])
    data = await export_file(org, "TEMPLATE")
    unchanged(await run_import(org, data, "t.xlsx", entity="TEMPLATE"), 15)


async def test_a_large_org_is_read_in_name_order_across_fence_windows(org: Org) -> None:
    # More customers than one read window (512): every one once, in name order,
    # archived ones only when asked for, as the customers query lists them.
    names = [f"Customer {n:04d}" for n in range(1100)]
    out = io.StringIO()
    csv.writer(out).writerows([["Customer Name"], *([n] for n in reversed(names))])
    job = await run_import(org, out.getvalue().encode(), "many.csv", entity="CUSTOMERS")
    assert job["totals"]["created"] == 1100, job
    found = await org.gql('query { customerByName(name: "Customer 0500") { id } }')
    await org.mutate("mutation($id: ID!) { customerArchive(id: $id) { userErrors { code } } }",
                     {"id": found["customerByName"]["id"]})

    rows = list(csv.reader(io.StringIO((await export_file(org, "CUSTOMERS", "CSV"))
                                       .decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [n for n in names if n != "Customer 0500"]
    archived = list(csv.reader(io.StringIO((await export_file(
        org, "CUSTOMERS", "CSV", customers={"archived": True})).decode("utf-8-sig"))))
    assert [r[0] for r in archived[1:]] == ["Customer 0500"]

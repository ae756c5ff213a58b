"""The standard template: download it, fill it in, import it whole (entity TEMPLATE)."""

import io
from typing import Any

from openpyxl import load_workbook

from documents.api_key import Role
from tests.conftest import Org
from tests.imports import run_import, upload, xlsx_bytes


async def template(org: Org, role: Role = Role.OFFICE) -> Any:
    response = await org.http.get("/import-template.xlsx",
                                  headers={"Authorization": f"Bearer {org.keys[role]}"})
    assert response.status_code == 200, response.text
    return load_workbook(io.BytesIO(response.content))


async def test_template_sheets_columns_and_lists(org: Org) -> None:
    await org.mutate('mutation { customerTypeCreate(name: "Strata") '
                     "{ customerType { id } userErrors { code } } }")
    await org.mutate('mutation { settingsUpdate(input: {customerLabel: "Client"}) '
                     "{ settings { customerLabel } userErrors { code } } }", role=Role.ADMIN)
    await org.mutate('mutation { productCreate(input: {importId: "SUB-1", name: "Suite"}) '
                     "{ product { id } userErrors { code } } }")
    workbook = await template(org)
    assert workbook.sheetnames == ["Instructions", "Clients", "Products", "Product Lines",
                                   "Sites", "Contacts", "Equipment", "Lists"]
    line_headers = [cell.value for cell in workbook["Product Lines"][1]]
    # The organization's word for customers, in every header that says it.
    assert line_headers[:4] == ["ID", "Client", "Opportunity", "Product"]
    (product_rule,) = [v for v in workbook["Product Lines"].data_validations.dataValidation
                       if str(v.sqref).startswith("D2")]
    assert product_rule.errorStyle == "warning"  # a product may come from the Products sheet
    sites = workbook["Sites"]
    assert sites["A1"].value == "Site Name"
    assert sites["B1"].value == "Address Line 1"
    assert sites["E1"].value == "Billing Client"
    clients = workbook["Clients"]
    headers = [cell.value for cell in clients[1]]
    type_column = headers.index("Client Type") + 1
    validations = clients.data_validations.dataValidation
    lists = workbook["Lists"]
    (type_rule,) = [v for v in validations
                    if f"{chr(64 + type_column)}2" in str(v.sqref).split(":")[0]]
    assert type_rule.type == "list"
    assert lists.sheet_state == "hidden"
    column = [c.value for c in next(col for col in lists.iter_cols()
                                    if col[0].value == "customer_type")]
    assert column == ["customer_type", "Strata"]
    products = [c.value for c in next(col for col in lists.iter_cols()
                                      if col[0].value == "product")]
    assert products == ["product", "SUB-1"]
    assert "unique identifier" in " ".join(
        str(row[0].value) for row in workbook["Instructions"].iter_rows())
    response = await org.http.get("/import-template.xlsx")
    assert response.status_code == 401


async def test_the_filled_template_imports_in_dependency_order(org: Org) -> None:
    workbook = await template(org)
    # Rows go in sheet by sheet; sites come before their customer in the workbook
    # order on purpose: the import still reads Customers first.
    rows: dict[str, list[list[Any]]] = {
        "Customers": [["Customer ABC", "ABC Pty"]],
        "Sites": [[f"Site {n}", f"{n} Main Rd", None, "Brisbane", "Customer ABC"]
                  for n in range(1, 6)] + [["Lost", "9 Nowhere", None, None, "Nobody"]],
        "Contacts": [["Customer ABC", "Ann", "Lee"]],
        "Equipment": [["Customer ABC", "Site 2", "Boiler", None, None, None, "2024-01-31"]],
    }
    data_sheets: list[tuple[str, list[list[Any]]]] = []
    for title in ("Sites", "Customers", "Contacts", "Equipment"):
        headers = [c.value for c in workbook[title][1]]
        data_sheets.append((title, [headers, *rows[title]]))
    data = multi_sheet(data_sheets)
    job = await run_import(org, data, "filled.xlsx", entity="TEMPLATE")
    assert job["status"] == "COMPLETED_WITH_ERRORS"
    assert job["totals"]["rows"] == 9
    assert job["totals"]["created"] == 8
    (error,) = [e["node"] for e in job["rowErrors"]["edges"]]
    assert (error["sheet"], error["row"], error["code"]) == (
        "Sites", 7, "BILLING_CUSTOMER_NOT_FOUND")
    found = await org.gql('{ customerByName(name: "Customer ABC") { companyName '
                          "sites { name } contacts { firstName } "
                          "equipment { name installDate site { name } } } }")
    abc = found["customerByName"]
    assert abc["companyName"] == "ABC Pty"
    assert [s["name"] for s in abc["sites"]] == [f"Site {n}" for n in range(1, 6)]
    assert abc["contacts"] == [{"firstName": "Ann"}]
    assert abc["equipment"] == [{"name": "Boiler", "installDate": "2024-01-31",
                                 "site": {"name": "Site 2"}}]


async def test_template_needs_a_workbook_with_its_sheets(org: Org) -> None:
    payload = await upload(org, b"Customer Name\nABC\n", "t.csv", entity="TEMPLATE")
    assert payload["userErrors"][0]["code"] == "UNSUPPORTED_FILE"
    payload = await upload(org, xlsx_bytes([["x"]], title="Random"), "t.xlsx",
                           entity="TEMPLATE")
    assert "Random" in payload["userErrors"][0]["message"]


def multi_sheet(sheets: list[tuple[str, list[list[Any]]]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def test_a_template_import_says_what_it_skips(org: Org) -> None:
    workbook = await template(org)
    customers = [c.value for c in workbook["Customers"][1]]
    data = multi_sheet([
        ("Customers", [[*customers, "Gate Code"], ["Gate Co", *[None] * (len(customers) - 1),
                                                   "1234"]]),
        ("SITES1", [["Site Name", "Address Line 1"], ["Depot", "1 Dock St"]]),
    ])
    job = await run_import(org, data, "renamed.xlsx", entity="TEMPLATE")
    assert job["totals"]["created"] == 1
    assert [(w["node"]["sheet"], w["node"]["row"], w["node"]["column"], w["node"]["code"])
            for w in job["rowWarnings"]["edges"]] == [
        ("Customers", 1, "Gate Code", "UNMAPPED_COLUMN"), ("SITES1", 1, None, "UNKNOWN_SHEET")]

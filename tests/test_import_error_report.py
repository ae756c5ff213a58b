"""The error report round trip: download the failed rows, fix them, import them again."""

import csv
import io
from typing import Any

from openpyxl import load_workbook

from documents.api_key import Role
from tests.conftest import Org
from tests.imports import csv_bytes, run_import


async def download(org: Org, url: str, role: Role = Role.OFFICE) -> Any:
    return await org.http.get(url, headers={"Authorization": f"Bearer {org.keys[role]}"})


async def test_fix_the_report_and_import_it_again(org: Org, make_org: Any) -> None:
    await run_import(org, csv_bytes([["Customer Name"], ["ABC"]]), "c.csv", entity="CUSTOMERS")
    sites = csv_bytes([["Site Name", "Address Line 1", "Billing Customer", "Site Email"],
                       ["Depot", "1 Quay St", "ABC", ""],
                       ["=HYPERLINK(\"http://evil\")", "2 Quay St", "AB C", ""],
                       ["Yard", "+3 Quay St", "ABC", "yard@"]])
    job = await run_import(org, sites, "sites.csv", entity="SITES")
    assert job["totals"]["failed"] == 2
    url = (await org.gql("query($id: ID!) { importJob(id: $id) { errorReportUrl } }",
                         {"id": job["id"]}))["importJob"]["errorReportUrl"]
    assert url.endswith("/errors.xlsx")

    report = await download(org, url.replace(".xlsx", ".csv"))
    assert report.status_code == 200
    rows = list(csv.reader(io.StringIO(report.text.lstrip("\ufeff"))))
    assert rows[0] == ["Site Name", "Address Line 1", "Billing Customer", "Site Email", "Errors",
                       "Warnings"]
    assert rows[1][:4] == ["'=HYPERLINK(\"http://evil\")", "2 Quay St", "AB C", ""]
    assert "No customer named 'AB C'" in rows[1][4]
    assert rows[2][:2] == ["Yard", "'+3 Quay St"]
    assert rows[2][4].startswith("Site Email: ")

    workbook = load_workbook(io.BytesIO((await download(org, url)).content))
    sheet = workbook.worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][-2:] == ["Errors", "Warnings"]
    assert values[1][0] == "'=HYPERLINK(\"http://evil\")"
    assert sheet.cell(row=2, column=1).data_type == "s"  # text, not a formula

    # The user fixes the two rows in the report (billing customer, email) and
    # imports the report as it is, Errors column and quoted cells included.
    rows[1][2] = "ABC"
    rows[2][3] = "yard@abc.example"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    again = await run_import(org, buffer.getvalue().encode(), "fixed.csv", entity="SITES")
    assert again["status"] == "SUCCEEDED"
    assert again["totals"]["created"] == 2
    found = await org.gql('{ customerByName(name: "ABC") { sites { name address { line1 } } } }')
    assert [(s["name"], s["address"]["line1"]) for s in found["customerByName"]["sites"]] == [
        ("Depot", "1 Quay St"), ('=HYPERLINK("http://evil")', "2 Quay St"),
        ("Yard", "+3 Quay St")]

    other = await make_org("other")
    assert (await download(other, url)).status_code == 404
    assert (await download(org, url, role=Role.FIELD)).status_code == 404
    assert (await org.http.get(url)).status_code == 401


async def test_rows_with_warnings_can_be_downloaded(org: Org) -> None:
    rows = csv_bytes([["Customer Name", "Phone", "Email"], ["Kept", "12345", ""],
                      ["Fine", "", ""], ["Both", "999", "nope"]])
    job = await run_import(org, rows, "warn.csv", entity="CUSTOMERS")
    url = (await org.gql("query($id: ID!) { importJob(id: $id) { warningReportUrl } }",
                         {"id": job["id"]}))["importJob"]["warningReportUrl"]
    assert url.endswith("/warnings.xlsx")
    report = await download(org, url.replace(".xlsx", ".csv"))
    assert report.status_code == 200
    lines = list(csv.reader(io.StringIO(report.text.lstrip("\ufeff"))))
    assert lines[0] == ["Customer Name", "Phone", "Email", "Warnings"]
    assert [line[:3] for line in lines[1:]] == [["Kept", "12345", ""]]  # not the failed row
    assert "kept as typed" in lines[1][3]
    errors = await download(org, url.replace("warnings.xlsx", "errors.csv"))
    failed = list(csv.reader(io.StringIO(errors.text.lstrip("\ufeff"))))
    assert failed[1][:3] == ["Both", "999", "nope"]
    assert "not a valid email" in failed[1][3]
    assert "kept as typed" in failed[1][4]
    assert (await download(org, url.replace("warnings.xlsx", "other.csv"))).status_code == 404

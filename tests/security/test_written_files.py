"""Every cell of every file the service writes is data, never a formula: the
error reports (CSV and XLSX, headers included) and the import template.
"""

import csv
import io
from typing import Any

from openpyxl import load_workbook

from documents.api_key import Role
from importers.rows import NEUTRALIZED_STARTS
from tests.conftest import Org
from tests.imports import csv_bytes, run_import

FORMULAS = ['=HYPERLINK("http://evil.example")', "@SUM(1+1)*cmd|' /C calc'!A0",
            "+cmd|' /C calc'!A0", "-2+3"]


async def download(org: Org, url: str) -> Any:
    response = await org.http.get(url, headers={"Authorization": f"Bearer {org.keys[Role.OFFICE]}"})
    assert response.status_code == 200, response.text
    return response


def live(text: object) -> bool:
    return isinstance(text, str) and text.startswith(NEUTRALIZED_STARTS)


def assert_inert(workbook: Any) -> None:
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert not live(cell.value), (sheet.title, cell.coordinate, cell.value)


async def test_error_report_headers_are_neutralized(org: Org) -> None:
    sites = csv_bytes([["Site Name", "Address Line 1", "Billing Customer", *FORMULAS],
                       ["Depot", "1 Quay St", "Nobody", "a", "b", "c", "d"]])
    # Headers this hostile look like data to the header detection: say where they are.
    job = await run_import(org, sites, "sites.csv", entity="SITES", headerRow=1)
    assert job["totals"]["failed"] == 1
    url = (await org.gql("query($id: ID!) { importJob(id: $id) { errorReportUrl } }",
                         {"id": job["id"]}))["importJob"]["errorReportUrl"]

    report = await download(org, url.replace(".xlsx", ".csv"))
    rows = list(csv.reader(io.StringIO(report.text.lstrip("\ufeff"))))
    assert rows[0][3:7] == ["'" + f for f in FORMULAS]
    assert not [cell for row in rows for cell in row if live(cell)]

    workbook = load_workbook(io.BytesIO((await download(org, url)).content))
    assert [c.value for c in workbook.worksheets[0][1]][3:7] == ["'" + f for f in FORMULAS]
    assert_inert(workbook)


async def test_template_lists_and_labels_are_neutralized(org: Org) -> None:
    for name in FORMULAS:
        await org.mutate("mutation($n: String!) { customerTypeCreate(name: $n) "
                         "{ customerType { id } userErrors { code } } }", {"n": name})
    await org.mutate('mutation { productCreate(input: {importId: "=1+1", name: "X"}) '
                     "{ product { id } userErrors { code } } }")
    await org.mutate('mutation { settingsUpdate(input: {customerLabel: "=Site"}) '
                     "{ settings { customerLabel } userErrors { code } } }", role=Role.ADMIN)
    response = await download(org, "/import-template.xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    lists = workbook["Lists"]
    types = [c.value for c in next(col for col in lists.iter_cols()
                                   if col[0].value == "customer_type")]
    assert sorted(types[1:]) == sorted("'" + f for f in FORMULAS)
    assert_inert(workbook)

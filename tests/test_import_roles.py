"""Each role on each import entity and each HTTP route: the same permissions as GraphQL."""

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from documents.api_key import Role
from tests.conftest import Org
from tests.imports import csv_bytes, finished, upload

FILES: dict[str, list[list[str]]] = {
    "CUSTOMERS": [["Customer Name"], ["Acme"]],
    "SITES": [["Site Name", "Address Line 1", "Billing Customer"], ["Depot", "1 Quay St", "Acme"]],
    "CONTACTS": [["Customer", "First Name", "Email"], ["Acme", "Jo", "jo@acme.example"]],
    "EQUIPMENT": [["Customer", "Equipment Name"], ["Acme", "Boiler"]],
    "PRODUCTS": [["Import ID", "Product Name", "Unit Price"], ["SUB", "Suite", "100.00"]],
    "PRODUCT_LINES": [["ID", "Customer", "Product", "Quantity", "Billing Date"],
                      ["L1", "Acme", "SUB", "1", "2026-01-15"]],
}
# Who may import what (README, Roles): the field role imports nothing; a partner
# feeds customers with their sites, contacts and equipment, not the product
# catalog (productUpdate is not theirs either) or finance data.
ALLOWED = {
    Role.ADMIN: set(FILES),
    Role.OFFICE: set(FILES),
    Role.FIELD: set(),
    Role.PARTNER: {"CUSTOMERS", "SITES", "CONTACTS", "EQUIPMENT"},
}
JOB_ROWS = """query($id: ID!) { importJob(id: $id) { id status
  rowErrors(first: 10) { edges { node { value } } } } }"""


async def _seed(org: Org) -> None:
    for entity in ("CUSTOMERS", "PRODUCTS"):
        payload = await upload(org, csv_bytes(FILES[entity]), "seed.csv", entity=entity)
        job = await finished(org, payload["job"]["id"])
        assert job["status"] == "SUCCEEDED", job


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_on_each_entity(org: Org, role: Role) -> None:
    await _seed(org)
    for entity, rows in FILES.items():
        payload = await upload(org, csv_bytes(rows), f"{entity}.csv", role=role, entity=entity)
        if entity in ALLOWED[role]:
            assert payload["userErrors"] == [], (role, entity)
            job = await finished(org, payload["job"]["id"])
            assert job["status"] == "SUCCEEDED", (role, entity, job)
        else:
            assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"], (role, entity)


async def test_a_partner_cannot_change_a_price_through_an_import(org: Org) -> None:
    await _seed(org)
    cheaper = csv_bytes([["Import ID", "Product Name", "Unit Price"], ["SUB", "Suite", "1.00"]])
    refused = await upload(org, cheaper, "p.csv", role=Role.PARTNER, entity="PRODUCTS")
    assert refused["userErrors"][0]["message"] == (
        "Your API key's role may not change the product catalog.")
    price = await org.gql('{ products(first: 1) { edges { node { unitPrice } } } }')
    assert price["products"]["edges"][0]["node"]["unitPrice"] == "100.00"


async def _template(org: Org, role: Role) -> Any:
    return await org.http.get("/import-template.xlsx",
                              headers={"Authorization": f"Bearer {org.keys[role]}"})


async def test_a_partner_template_import_may_not_hold_products(org: Org) -> None:
    await _seed(org)
    workbook = load_workbook(io.BytesIO((await _template(org, Role.OFFICE)).content))
    workbook.worksheets[1].append(["Partner Co"])  # the customers sheet
    filled = io.BytesIO()
    workbook.save(filled)
    allowed = await upload(org, filled.getvalue(), "t.xlsx", role=Role.PARTNER,
                           entity="TEMPLATE")
    assert allowed["userErrors"] == []
    job = await finished(org, allowed["job"]["id"])
    assert job["status"] == "SUCCEEDED", job
    workbook["Products"].append(["SUB", "Suite", "", "1.00"])
    with_products = io.BytesIO()
    workbook.save(with_products)
    refused = await upload(org, with_products.getvalue(), "t.xlsx", role=Role.PARTNER,
                           entity="TEMPLATE")
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
    assert "'Products'" in refused["userErrors"][0]["message"]


@pytest.mark.parametrize("role", list(Role))
async def test_dry_runs_need_a_role_that_reads_customers(org: Org, role: Role) -> None:
    payload = await upload(org, csv_bytes(FILES["CUSTOMERS"]), "c.csv", role=role,
                           entity="CUSTOMERS", dryRun=True)
    if role in (Role.ADMIN, Role.OFFICE):
        assert payload["userErrors"] == []
    else:
        assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
        if role is Role.PARTNER:
            assert "dry run" in payload["userErrors"][0]["message"]


async def test_the_template_lists_need_a_role_that_reads_them(org: Org) -> None:
    await org.mutate('mutation { customerTypeCreate(name: "Residential") '
                     '{ customerType { id } userErrors { code } } }')
    office = load_workbook(io.BytesIO((await _template(org, Role.OFFICE)).content))
    assert "Residential" in [c.value for col in office["Lists"].iter_cols() for c in col]
    response = await _template(org, Role.PARTNER)
    assert response.status_code == 200
    partner = load_workbook(io.BytesIO(response.content))
    assert [c.value for col in partner["Lists"].iter_cols() for c in col] == []
    assert partner.sheetnames == office.sheetnames  # the same columns to fill
    assert (await _template(org, Role.FIELD)).status_code == 403


async def test_a_partner_reads_the_rows_of_its_own_imports_only(org: Org) -> None:
    bad = csv_bytes([["Customer Name", "Email"], ["Jo Citizen", "jo@"]])
    office_job = await upload(org, bad, "office.csv", entity="CUSTOMERS")
    partner_job = await upload(org, bad, "partner.csv", role=Role.PARTNER, entity="CUSTOMERS")
    for payload in (office_job, partner_job):
        assert (await finished(org, payload["job"]["id"]))["status"] == "COMPLETED_WITH_ERRORS"
    office_id, partner_id = office_job["job"]["id"], partner_job["job"]["id"]
    headers = {"Authorization": f"Bearer {org.keys[Role.PARTNER]}"}

    own = await org.gql(JOB_ROWS, {"id": partner_id}, role=Role.PARTNER)
    assert own["importJob"]["rowErrors"]["edges"] == [{"node": {"value": "jo@"}}]
    for kind in ("csv", "xlsx"):
        response = await org.http.get(f"/imports/{partner_id}/errors.{kind}", headers=headers)
        assert response.status_code == 200

    # Office staff's import: the partner sees its status, not its rows.
    body = await org.post(JOB_ROWS, {"id": office_id}, role=Role.PARTNER)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    status = await org.gql("query($id: ID!) { importJob(id: $id) { status } }",
                           {"id": office_id}, role=Role.PARTNER)
    assert status["importJob"]["status"] == "COMPLETED_WITH_ERRORS"
    for kind in ("csv", "xlsx"):
        response = await org.http.get(f"/imports/{office_id}/errors.{kind}", headers=headers)
        assert response.status_code == 403
        assert "own imports" in response.json()["error"]
    # Roles that read customers read every job's rows; the field role reads no imports.
    for role in (Role.ADMIN, Role.OFFICE):
        response = await org.http.get(f"/imports/{partner_id}/errors.csv",
                                      headers={"Authorization": f"Bearer {org.keys[role]}"})
        assert response.status_code == 200
    response = await org.http.get(f"/imports/{partner_id}/errors.csv",
                                  headers={"Authorization": f"Bearer {org.keys[Role.FIELD]}"})
    assert response.status_code == 404

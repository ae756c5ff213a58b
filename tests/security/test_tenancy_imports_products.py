"""Org B asking for org A's products, product lines, import jobs and saved
mappings by id gets exactly what it gets for ids that do not exist, and
changes nothing. (Customers, sites, contacts and equipment: test_tenancy.py.)
"""

from typing import Any

import pytest

from documents.api_key import Role
from tests.conftest import Org
from tests.imports import csv_bytes, run_import, upload
from tests.security.test_tenancy import missing_id
from tests.test_product_lines import import_lines, with_products

ERRORS = "userErrors { code message field }"


@pytest.fixture
async def victim(org: Org) -> dict[str, str]:
    await with_products(org)
    job = await import_lines(org, [["L1", "Secret Co", "OPP-1", "SUB", "", "1",
                                    "2026-01-15", "", "", ""]])
    assert job["status"] == "SUCCEEDED", job
    found = await org.gql("{ products(first: 1) { edges { node { id } } } "
                          "productLines(first: 1) { edges { node { id customer { id } } } } }")
    line = found["productLines"]["edges"][0]["node"]
    mapping = await org.mutate(
        "mutation($input: MappingSaveInput!) { mappingSave(input: $input) "
        f"{{ mapping {{ id }} {ERRORS} }} }}",
        {"input": {"name": "Secret", "entity": "CUSTOMERS", "hasHeaders": True,
                   "mapping": [{"header": "Name", "field": "name"}]}})
    return {"Product": found["products"]["edges"][0]["node"]["id"], "ProductLine": line["id"],
            "Customer": line["customer"]["id"], "ImportJob": job["id"],
            "SavedMapping": mapping["mapping"]["id"]}


READS = {
    "Product": "query($id: ID!) { product(id: $id) { id name } }",
    "ProductLine": "query($id: ID!) { productLine(id: $id) { id amount } }",
    "ImportJob": "query($id: ID!) { importJob(id: $id) { id status } }",
}
FILTERS = [
    "query($id: ID!) { productLines(filter: {productId: $id}) { totalCount } }",
    "query($id: ID!) { revenueSchedule(filter: {productId: $id}) { month amount } }",
]
CUSTOMER_FILTERS = [
    "query($id: ID!) { productLines(filter: {customerId: $id}) { totalCount } }",
    "query($id: ID!) { bookings(filter: {customerId: $id}) { totalCount } }",
    "query($id: ID!) { revenueSchedule(filter: {customerId: $id}) { month amount } }",
]
WRITES = {
    "Product": f'mutation($id: ID!) {{ productUpdate(id: $id, input: {{name: "Pwned"}}) '
               f"{{ product {{ id }} {ERRORS} }} }}",
    "ImportJob": f"mutation($id: ID!) {{ importCancel(id: $id) {{ job {{ id }} {ERRORS} }} }}",
    "SavedMapping": f"mutation($id: ID!) {{ mappingDelete(id: $id) {{ deletedId {ERRORS} }} }}",
}


async def same_as_missing(intruder: Org, query: str, their_id: str, type_name: str
                          ) -> dict[str, Any]:
    theirs = await intruder.post(query, {"id": their_id})
    nothing = await intruder.post(query, {"id": missing_id(type_name)})
    assert theirs == nothing, (query, theirs, nothing)
    return theirs


async def test_another_orgs_products_lines_jobs_and_mappings_look_missing(
        org: Org, victim: dict[str, str], make_org: Any) -> None:
    before = await org.gql("{ products { edges { node { name } } } "
                           "productLines { edges { node { amount } } } "
                           "importJobs { edges { node { status } } } "
                           "saved: savedMappings(entity: CUSTOMERS) { name } }")
    intruder: Org = await make_org("intruder")
    await with_products(intruder)  # its own catalog, with the same import ids
    for type_name, their_id in victim.items():
        answer = await same_as_missing(intruder, "query($id: ID!) { node(id: $id) { id } }",
                                       their_id, type_name)
        assert answer == {"data": {"node": None}}
    for type_name, query in READS.items():
        answer = await same_as_missing(intruder, query, victim[type_name], type_name)
        assert list(answer["data"].values()) == [None]
    for query in FILTERS:
        await same_as_missing(intruder, query, victim["Product"], "Product")
    for query in CUSTOMER_FILTERS:
        await same_as_missing(intruder, query, victim["Customer"], "Customer")
    for type_name, mutation in WRITES.items():
        answer = await same_as_missing(intruder, mutation, victim[type_name], type_name)
        (payload,) = answer["data"].values()
        assert payload["userErrors"][0]["code"] == "NOT_FOUND"
    key = {"Authorization": f"Bearer {intruder.keys[Role.ADMIN]}"}
    for path in ("errors.csv", "errors.xlsx"):
        report = await intruder.http.get(f"/imports/{victim['ImportJob']}/{path}", headers=key)
        absent = await intruder.http.get(f"/imports/{missing_id('ImportJob')}/{path}",
                                         headers=key)
        assert (report.status_code, report.json()) == (absent.status_code, absent.json())
        assert report.status_code == 404
    # A saved mapping of theirs cannot be used for an import either.
    data = csv_bytes([["Name"], ["Mine"]])
    theirs, nothing = [await upload(intruder, data, "mine.csv", entity="CUSTOMERS",
                                    savedMappingId=mapping_id)
                       for mapping_id in (victim["SavedMapping"], missing_id("SavedMapping"))]
    assert theirs == nothing
    assert theirs["userErrors"][0]["code"] == "NOT_FOUND"
    after = await org.gql("{ products { edges { node { name } } } "
                          "productLines { edges { node { amount } } } "
                          "importJobs { edges { node { status } } } "
                          "saved: savedMappings(entity: CUSTOMERS) { name } }")
    assert after == before
    assert (await run_import(intruder, data, "again.csv", entity="CUSTOMERS"))["status"] == \
        "SUCCEEDED"

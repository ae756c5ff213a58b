"""importAnalyze proposes a mapping; mappings are saved, reused and deleted."""

from typing import Any

from documents.api_key import Role
from tests.conftest import Org
from tests.imports import csv_bytes, finished, run_import, send_file, upload, xlsx_bytes

ANALYZE = """mutation($file: Upload!, $input: ImportAnalyzeInput!) {
  importAnalyze(file: $file, input: $input) {
    analysis { fileName format sheets sheet hasHeaders headers sampleRows rowCount
               suggestedMapping { column header field confidence }
               unmappedColumns matchedSavedMapping { id name } }
    userErrors { code message field }
  }
}"""


async def analyze(org: Org, data: bytes, file_name: str, **options: Any) -> dict[str, Any]:
    return await send_file(org, ANALYZE, data, file_name, Role.OFFICE, options)


async def test_analyze_proposes_a_mapping(org: Org) -> None:
    data = xlsx_bytes([["COMPANY NAME", "FIRST NAME", "LAST NAME", "Fav Colour", "E-mail addr"],
                       *[[f"Co {n}", "Ann", "Lee", "Blue", f"a{n}@x.example"] for n in range(7)]],
                      title="Clients")
    analysis = (await analyze(org, data, "mine.xlsx", entity="CUSTOMERS"))["analysis"]
    assert analysis["format"] == "XLSX"
    assert analysis["sheets"] == ["Clients"]
    assert analysis["hasHeaders"] is True
    assert analysis["rowCount"] == 7
    assert len(analysis["sampleRows"]) == 5
    assert analysis["sampleRows"][0] == ["Co 0", "Ann", "Lee", "Blue", "a0@x.example"]
    suggested = {(s["header"], s["field"]) for s in analysis["suggestedMapping"]}
    assert {("COMPANY NAME", "company_name"), ("FIRST NAME", "first_name"),
            ("LAST NAME", "last_name"), ("E-mail addr", "email")} == suggested
    assert [s["confidence"] for s in analysis["suggestedMapping"]][:3] == [1.0, 1.0, 1.0]
    assert analysis["unmappedColumns"] == ["Fav Colour"]
    assert analysis["matchedSavedMapping"] is None

    no_headers = csv_bytes([["Co 1", "12/03/2024"], ["Co 2", "13/03/2024"]])
    analysis = (await analyze(org, no_headers, "raw.csv", entity="CUSTOMERS"))["analysis"]
    assert analysis["hasHeaders"] is False
    assert analysis["rowCount"] == 2
    assert analysis["unmappedColumns"] == ["A", "B"]
    bad = await analyze(org, b"\x89PNG....", "x.csv", entity="CUSTOMERS")
    assert bad["userErrors"][0]["code"] == "UNSUPPORTED_FILE"


async def test_saved_mapping_is_reused_on_a_second_file(org: Org) -> None:
    first = csv_bytes([["Client", "Contact Person", "Notes"], ["Acme", "Ann", "x"]])
    payload = await upload(org, first, "export-1.csv", entity="CUSTOMERS",
                           mapping=[{"header": "Client", "field": "name"},
                                    {"header": "Contact Person", "field": "custom:Contact"}],
                           saveMappingAs="CRM export")
    assert payload["userErrors"] == []
    await finished(org, payload["job"]["id"])
    saved = await org.gql("{ savedMappings(entity: CUSTOMERS) { id name hasHeaders "
                          "columns { column header field } } }")
    (mapping,) = saved["savedMappings"]
    assert mapping["name"] == "CRM export"
    assert mapping["columns"] == [{"column": 0, "header": "Client", "field": "name"},
                                  {"column": 1, "header": "Contact Person",
                                   "field": "custom:Contact"}]

    # The next export has its columns in another order: the headers still match.
    second = csv_bytes([["Notes", "Contact Person", "Client"], ["y", "Bob", "Bravo"]])
    analysis = (await analyze(org, second, "export-2.csv", entity="CUSTOMERS"))["analysis"]
    assert analysis["matchedSavedMapping"] == {"id": mapping["id"], "name": "CRM export"}
    assert {(s["column"], s["field"]) for s in analysis["suggestedMapping"]} == {
        (2, "name"), (1, "custom:Contact")}
    job = await run_import(org, second, "export-2.csv", entity="CUSTOMERS",
                           savedMappingId=mapping["id"])
    assert job["totals"]["created"] == 1
    bravo = await org.gql('{ customerByName(name: "Bravo") { customFields { key value } } }')
    assert bravo["customerByName"]["customFields"] == [{"key": "Contact", "value": "Bob"}]

    deleted = await org.gql("mutation($id: ID!) { mappingDelete(id: $id) { deletedId "
                            "userErrors { code } } }", {"id": mapping["id"]})
    assert deleted["mappingDelete"] == {"deletedId": mapping["id"], "userErrors": []}
    assert (await org.gql("{ savedMappings(entity: CUSTOMERS) { id } }")) == {
        "savedMappings": []}
    gone = await upload(org, second, "export-2.csv", entity="CUSTOMERS",
                        savedMappingId=mapping["id"])
    assert gone["userErrors"][0]["code"] == "NOT_FOUND"


async def test_mapping_save_validates(org: Org) -> None:
    payload = await org.gql(
        'mutation { mappingSave(input: {name: " ", entity: SITES, hasHeaders: false, '
        'mapping: [{header: "Site", field: "name"}, {column: 1, field: "colour"}]}) '
        "{ mapping { id } userErrors { code field } } }")
    errors = payload["mappingSave"]["userErrors"]
    assert {(e["code"], tuple(e["field"])) for e in errors} == {
        ("REQUIRED", ("input", "name")), ("REQUIRED", ("input", "mapping", "0")),
        ("UNKNOWN_FIELD", ("input", "mapping", "1", "field"))}

"""What is stored as text: no control characters, capped lengths, one key for
every spelling of a name that looks the same, and files written whatever is stored.
"""

import io
import unicodedata

from beanie import PydanticObjectId
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from typer.testing import CliRunner

from app.cli import cli
from documents.api_key import Role
from documents.customer import Customer
from documents.import_job import ImportJob, ImportRowError
from documents.lookups import CustomerType
from documents.organization import Organization
from documents.text import clean_text, name_key, unicode_name_key
from resolvers.actor_cache import ACTORS
from resolvers.name_keys import rekey
from schema.ids import to_global_id
from tests.conftest import Org
from tests.imports import csv_bytes, run_import, upload
from tests.queries import CUSTOMER_CREATE, SITE_CREATE

CREATE = """mutation($input: CustomerInput!) { customerCreate(input: $input) {
  customer { id name customFields { key value } } userErrors { code message field } } }"""
BY_NAME = "query($name: String!) { customerByName(name: $name) { id name } }"


async def _org_id(org: Org) -> PydanticObjectId:
    found = await Organization.find_one({"slug": org.slug})
    assert found is not None
    assert found.id is not None
    return found.id


async def test_control_characters_are_refused_with_their_field(org: Org) -> None:
    errors = await org.user_errors(CREATE, {"input": {"name": "Acme\x01"}})
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID_TEXT", ["input", "name"])]
    assert "U+0001" in errors[0]["message"]
    errors = await org.user_errors(CREATE, {"input": {
        "name": "Acme", "siteAddress": {"line1": "1\x1b Quay St"},
        "customFields": [{"key": "Gate\x00code", "value": "1234"}]}})
    assert {tuple(e["field"]) for e in errors} == {
        ("input", "siteAddress", "line1"), ("input", "customFields", "0", "key")}
    # Tabs and line breaks are text.
    made = await org.mutate(CREATE, {"input": {"name": "Acme", "customFields": [
        {"key": "Directions", "value": "Gate 2\n\tthen left"}]}})
    assert made["customer"]["customFields"] == [
        {"key": "Directions", "value": "Gate 2\n\tthen left"}]


async def test_a_900_kb_name_and_other_long_texts_are_refused(org: Org) -> None:
    errors = await org.user_errors(CREATE, {"input": {"name": "A" * 900_000}})
    assert [(e["code"], e["field"]) for e in errors] == [("TEXT_TOO_LONG", ["input", "name"])]
    assert "at most 255" in errors[0]["message"]
    errors = await org.user_errors(CREATE, {"input": {"name": "B", "customFields": [
        {"key": "k" * 101, "value": "v"}, {"key": "notes", "value": "v" * 10_001}]}})
    assert {(e["code"], tuple(e["field"])) for e in errors} == {
        ("TEXT_TOO_LONG", ("input", "customFields", "0", "key")),
        ("TEXT_TOO_LONG", ("input", "customFields", "1", "value"))}
    customer = await org.mutate(CREATE, {"input": {"name": "C"}})
    site = await org.gql(SITE_CREATE, {"customerId": customer["customer"]["id"],
                                       "input": {"name": "Depot", "notes": "n" * 10_000}})
    assert site["siteCreate"]["userErrors"] == []
    too_long = await org.gql(SITE_CREATE, {"customerId": customer["customer"]["id"],
                                           "input": {"name": "Yard", "notes": "n" * 10_001}})
    assert [e["field"] for e in too_long["siteCreate"]["userErrors"]] == [["input", "notes"]]


async def test_a_custom_field_key_that_mongodb_would_read_as_a_path_is_refused(org: Org) -> None:
    errors = await org.user_errors(CREATE, {"input": {"name": "Acme", "customFields": [
        {"key": "$gt", "value": "1"}, {"key": "a.b", "value": "2"}]}})
    assert [(e["code"], e["field"]) for e in errors] == [
        ("INVALID_TEXT", ["input", "customFields", "0", "key"]),
        ("INVALID_TEXT", ["input", "customFields", "1", "key"])]


TWINS = {
    "decomposed accent (NFD)": unicodedata.normalize("NFD", "Café Ltd"),
    "zero-width space": "Caf\u00e9\u200b Ltd",
    "byte order mark": "\ufeffCafé Ltd",
    "right-to-left override": "Café\u202e Ltd",
    "fullwidth letters": "\uff23\uff41\uff46\u00e9 \uff2c\uff54\uff44",
    "case and spaces": "  CAFÉ   ltd ",
}


async def test_names_that_look_the_same_are_one_customer(org: Org) -> None:
    made = await org.mutate(CREATE, {"input": {"name": "Café Ltd"}})
    for what, twin in TWINS.items():
        errors = await org.user_errors(CREATE, {"input": {"name": twin}})
        assert [e["code"] for e in errors] == ["DUPLICATE"], what
        found = await org.gql(BY_NAME, {"name": twin})
        assert found["customerByName"]["id"] == made["customer"]["id"], what


async def test_names_are_stored_composed(org: Org) -> None:
    made = await org.mutate(CREATE, {"input": {"name": unicodedata.normalize("NFD", "Zoë")}})
    assert made["customer"]["name"] == "Zoë"  # NFC: one code point for ë
    assert len(made["customer"]["name"]) == 3


async def test_lookups_and_sites_share_the_name_key(org: Org) -> None:
    create_type = ("mutation($name: String!) { customerTypeCreate(name: $name) "
                   "{ customerType { name } userErrors { code field } } }")
    await org.mutate(create_type, {"name": "Résidential"})
    errors = await org.user_errors(create_type,
                                   {"name": unicodedata.normalize("NFD", "RÉSIDENTIAL\u200d")})
    assert [e["code"] for e in errors] == ["DUPLICATE"]
    customer = await org.mutate(CREATE, {"input": {"name": "Owner"}})
    await org.mutate(SITE_CREATE, {"customerId": customer["customer"]["id"],
                                   "input": {"name": "Dépôt"}})
    fullwidth = "\uff24\uff45\u0301\uff50\uff4f\u0302\uff54"  # fullwidth "Depot", accents combining
    twin = await org.gql(SITE_CREATE, {"customerId": customer["customer"]["id"],
                                       "input": {"name": fullwidth}})
    assert [e["code"] for e in twin["siteCreate"]["userErrors"]] == ["DUPLICATE"]


def test_the_key_and_the_cleaning_functions() -> None:
    assert {name_key(t) for t in TWINS.values()} == {name_key("Café Ltd")}
    assert clean_text("a\x00b\x01c\td\ne\ud800\ufeff") == "abc\td\ne"
    assert clean_text(unicodedata.normalize("NFD", "é")) == "é"


async def test_the_template_and_error_report_survive_what_is_already_stored(org: Org) -> None:
    """Values stored before cleaning existed: the files are still written."""
    org_id = await _org_id(org)
    await CustomerType.collection().insert_one(CustomerType(
        org_id=org_id, name="Bad\x01Type", name_key="bad\x01type").to_mongo())
    headers = {"Authorization": f"Bearer {org.keys[Role.OFFICE]}"}
    template = await org.http.get("/import-template.xlsx", headers=headers)
    assert template.status_code == 200
    lists = load_workbook(io.BytesIO(template.content))["Lists"]
    assert "BadType" in [cell.value for column in lists.iter_cols() for cell in column]

    job = ImportJob(id=PydanticObjectId(), org_id=org_id, entity="CUSTOMERS",
                    file_id=PydanticObjectId(), file_name="old.csv", format="CSV",
                    headers=["Customer\x02 Name", "Email"])
    await ImportJob.collection().insert_one(job.to_mongo())
    await ImportRowError.collection().insert_one(ImportRowError(
        org_id=org_id, job_id=job.id, seq=1, row=2, column="Email", value="x\x01@",
        code="INVALID_EMAIL", message="Not an email: x\x01@",
        cells=["Acme\x01", "x\x01@"]).to_mongo())
    job_id = to_global_id("ImportJob", job.id)
    for kind in ("xlsx", "csv"):
        report = await org.http.get(f"/imports/{job_id}/errors.{kind}", headers=headers)
        assert report.status_code == 200, kind
    sheet = load_workbook(io.BytesIO(
        (await org.http.get(f"/imports/{job_id}/errors.xlsx", headers=headers)).content)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Customer Name"
    assert rows[1][0] == "Acme"


def test_the_cli_refuses_control_characters_and_overlong_names() -> None:
    runner = CliRunner()
    refused = runner.invoke(cli, ["org", "create", "bad-name", "--name", "Acme\x01"])
    assert refused.exit_code == 2
    assert "control character (U+0001)" in refused.output
    refused = runner.invoke(cli, ["org", "create", "long-name", "--name", "A" * 256])
    assert refused.exit_code == 2
    assert "over 255 characters" in refused.output


LOOKUP_CREATE = {
    "customerType": "mutation($name: String!) { customerTypeCreate(name: $name) "
                    "{ customerType { id name } userErrors { code field } } }",
    "leadSource": "mutation($name: String!) { leadSourceCreate(name: $name) "
                  "{ leadSource { id name } userErrors { code field } } }",
    "paymentTerm": "mutation($name: String!) { paymentTermCreate(input: {name: $name}) "
                   "{ paymentTerm { id name } userErrors { code field } } }",
    "priceLevel": "mutation($name: String!) { priceLevelCreate(input: {name: $name}) "
                  "{ priceLevel { id name } userErrors { code field } } }",
}


async def test_an_admin_renames_and_deletes_each_lookup(org: Org) -> None:
    for kind, create in LOOKUP_CREATE.items():
        cap = kind[0].upper() + kind[1:]
        rename = (f"mutation($id: ID!, $name: String!) {{ {kind}Rename(id: $id, name: $name) "
                  f"{{ {kind} {{ id name }} userErrors {{ code message field }} }} }}")
        delete = (f"mutation($id: ID!) {{ {kind}Delete(id: $id) "
                  "{ deletedId userErrors { code message field } } }")
        made = (await org.mutate(create, {"name": "Bad\u00a0one"}, role=Role.ADMIN))[kind]
        other = (await org.mutate(create, {"name": "Other"}, role=Role.ADMIN))[kind]
        forbidden = await org.user_errors(rename, {"id": made["id"], "name": "Good"})
        assert [e["code"] for e in forbidden] == ["FORBIDDEN"], kind  # office staff
        renamed = await org.mutate(rename, {"id": made["id"], "name": " Good one "},
                                   role=Role.ADMIN)
        assert renamed[kind] == {"id": made["id"], "name": "Good one"}
        clash = await org.user_errors(rename, {"id": made["id"], "name": "OTHER"},
                                      role=Role.ADMIN)
        assert [(e["code"], e["field"]) for e in clash] == [("DUPLICATE", ["name"])], kind
        bad = await org.user_errors(rename, {"id": made["id"], "name": "x\x01"},
                                    role=Role.ADMIN)
        assert [(e["code"], e["field"]) for e in bad] == [("INVALID_TEXT", ["name"])], kind

        field = f"{kind}Id"
        await org.mutate(CUSTOMER_CREATE, {"input": {"name": f"Uses {kind}",
                                                     field: made["id"]}})
        in_use = await org.user_errors(delete, {"id": made["id"]}, role=Role.ADMIN)
        assert [(e["code"], e["field"]) for e in in_use] == [("IN_USE", ["id"])], kind
        assert "1 customer" in in_use[0]["message"]
        gone = await org.mutate(delete, {"id": other["id"]}, role=Role.ADMIN)
        assert gone["deletedId"] == other["id"]
        missing = await org.user_errors(delete, {"id": other["id"]}, role=Role.ADMIN)
        assert [e["code"] for e in missing] == ["NOT_FOUND"], cap


async def test_a_stored_bad_lookup_can_be_renamed_away(org: Org) -> None:
    """The way out for a customer type that broke the template before."""
    org_id = await _org_id(org)
    bad = CustomerType(id=PydanticObjectId(), org_id=org_id, name="Bad\x01", name_key="bad\x01")
    await CustomerType.collection().insert_one(bad.to_mongo())

    renamed = await org.mutate(
        "mutation($id: ID!) { customerTypeRename(id: $id, name: \"Fixed\") "
        "{ customerType { name } userErrors { code } } }",
        {"id": to_global_id("CustomerType", bad.id)}, role=Role.ADMIN)
    assert renamed["customerType"] == {"name": "Fixed"}


async def test_rekey_recomputes_keys_stored_by_the_old_key_function(org: Org) -> None:
    org_id = await _org_id(org)
    old = unicodedata.normalize("NFD", "Café Ltd")
    # Stored before keys were NFKC: the old key was only case folded and collapsed.
    for name in (old, "Cafe\u0301 Ltd\u200b", "Other"):
        customer = Customer(id=PydanticObjectId(), org_id=org_id, name=name,
                            name_key=" ".join(name.casefold().split()))
        await Customer.collection().insert_one(customer.to_mongo())
    assert (await org.gql(BY_NAME, {"name": "Café Ltd"}))["customerByName"] is None

    report = await rekey(org_id)
    assert report.changed == 1
    assert report.conflicts == [("customers", "Cafe\u0301 Ltd\u200b")]
    found = await org.gql(BY_NAME, {"name": "Café Ltd"})
    assert found["customerByName"]["name"] == old
    assert (await rekey(org_id)).changed == 0  # idempotent


async def test_an_update_only_import_finds_the_customer_by_any_twin_spelling(org: Org) -> None:
    await org.mutate(CREATE, {"input": {"name": "Café Ltd"}})
    twins = [TWINS["decomposed accent (NFD)"], TWINS["fullwidth letters"],
             TWINS["zero-width space"]]
    for index, twin in enumerate(twins):
        data = csv_bytes([["Customer Name", "Email"], [twin, f"office{index}@cafe.example"]])
        job = await run_import(org, data, "nfd.csv", entity="CUSTOMERS", mode="UPDATE_ONLY")
        assert job["totals"]["updated"] == 1, (twin, job)
    found = await org.gql('{ customers { totalCount edges { node { name email } } } }')
    assert found["customers"]["totalCount"] == 1
    assert found["customers"]["edges"][0]["node"] == {"name": "Café Ltd",
                                                      "email": "office2@cafe.example"}


async def test_a_stored_label_excel_cannot_use_as_a_sheet_title_still_gives_a_template(
        org: Org) -> None:
    refused = await org.user_errors(
        'mutation { settingsUpdate(input: {customerLabel: "Owner/Tenant"}) '
        "{ settings { customerLabel } userErrors { code field } } }", role=Role.ADMIN)
    assert refused == [{"code": "INVALID", "field": ["input", "customerLabel"]}]
    await Organization.get_pymongo_collection().update_one(
        {"slug": org.slug}, {"$set": {"settings.customer_label": "Owner/Tenant\x01" + "x" * 40}})
    # Written around the service: drop what its key cache holds, so the request reads it.
    found = await Organization.find_one({"slug": org.slug})
    assert found is not None
    assert found.id is not None
    ACTORS.forget_org(found.id)
    template = await org.http.get("/import-template.xlsx",
                                  headers={"Authorization": f"Bearer {org.keys[Role.OFFICE]}"})
    assert template.status_code == 200
    titles = load_workbook(io.BytesIO(template.content)).sheetnames
    assert all(len(title) <= 31 and "/" not in title for title in titles)
    assert any(title.startswith("Owner") for title in titles), titles  # the stored label's


async def test_an_import_request_holds_no_unstorable_text(org: Org) -> None:
    data = csv_bytes([["Customer Name"], ["Acme"]])
    payload = await upload(org, data, "c.csv", entity="CUSTOMERS",
                           idempotencyKey="nightly\ud800", saveMappingAs="m" * 256)
    assert {(e["code"], tuple(e["field"])) for e in payload["userErrors"]} == {
        ("INVALID_TEXT", ("input", "idempotencyKey")),
        ("TEXT_TOO_LONG", ("input", "saveMappingAs"))}


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=40), st.integers(0, 40), st.sampled_from(["\u200b", "\ufeff", "\u202e",
                                                                   "\u2060", "\u200d"]))
def test_the_key_ignores_encoding_of_accents_and_invisible_characters(
        name: str, at: int, invisible: str) -> None:
    key = name_key(name)
    assert name_key(unicodedata.normalize("NFD", name)) == key
    assert name_key(unicodedata.normalize("NFKC", name)) == key
    assert name_key(name[:at] + invisible + name[at:]) == key


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_the_ascii_shortcut_gives_the_general_key(name: str) -> None:
    assert name_key(name) == unicode_name_key(name)

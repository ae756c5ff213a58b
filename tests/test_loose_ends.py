"""Loose ends a new user hit: userError paths name the arguments in camelCase,
FORBIDDEN says what is needed, mappingSave refuses two columns for one field,
and siteCreate names a site after its address as the import does.
"""

from documents.api_key import Role
from resolvers.actor import GRANTS, Permission, forbidden_message
from tests.conftest import Org
from tests.imports import csv_bytes, run_import
from tests.queries import CUSTOMER_CREATE, SITE_CREATE


async def test_user_error_paths_are_the_arguments_in_camel_case(org: Org) -> None:
    for mutation in ("customerTypeCreate", "leadSourceCreate"):
        errors = await org.user_errors(
            f'mutation {{ {mutation}(name: "  ") {{ userErrors {{ code field }} }} }}')
        assert errors == [{"code": "REQUIRED", "field": ["name"]}]
        await org.mutate(f'mutation {{ {mutation}(name: "Web") {{ userErrors {{ code }} }} }}')
        errors = await org.user_errors(
            f'mutation {{ {mutation}(name: "web") {{ userErrors {{ code field }} }} }}')
        assert errors == [{"code": "DUPLICATE", "field": ["name"]}]
    errors = await org.user_errors(
        'mutation { paymentTermCreate(input: {name: ""}) { userErrors { code field } } }',
        role=Role.ADMIN)
    assert errors == [{"code": "REQUIRED", "field": ["input", "name"]}]
    errors = await org.user_errors(
        'mutation { productCreate(input: {importId: " ", name: "Suite"}) '
        "{ userErrors { code field } } }")
    assert errors == [{"code": "REQUIRED", "field": ["input", "importId"]}]


def test_every_permission_is_explained() -> None:
    for permission in Permission:
        for role, granted in GRANTS.items():
            if permission not in granted:
                message = forbidden_message(role, permission)
                assert f"({role.value})" in message
                assert "admin" in message  # admins may do everything


async def test_forbidden_says_what_is_needed(org: Org) -> None:
    errors = await org.user_errors(
        'mutation { paymentTermCreate(input: {name: "Net 7"}) { userErrors { code message } } }',
        role=Role.OFFICE)
    assert errors == [{"code": "FORBIDDEN", "message": "Your API key's role (office) may not do "
                       "this: changing payment terms, price levels, users and settings needs the "
                       "admin role."}]
    body = await org.post("{ productLines { totalCount } }", role=Role.FIELD)
    assert "reading product lines, bookings and revenue needs the admin or office role" in (
        body["errors"][0]["message"])


MAPPING_SAVE = """mutation($mapping: [ColumnMappingInput!]!) {
  mappingSave(input: {name: "Ours", entity: CUSTOMERS, mapping: $mapping}) {
    mapping { id } userErrors { code message field } } }"""


async def test_mapping_save_refuses_two_columns_for_one_field(org: Org) -> None:
    errors = await org.user_errors(MAPPING_SAVE, {"mapping": [
        {"header": "Name", "field": "name"}, {"header": "Email", "field": "email"},
        {"header": "Client", "field": "name"}]})
    assert [(e["code"], e["field"]) for e in errors] == [
        ("DUPLICATE", ["input", "mapping", "2", "field"])]
    assert "mapping entry 0" in errors[0]["message"]
    errors = await org.user_errors(MAPPING_SAVE, {"mapping": [
        {"column": 0, "field": "custom:Notes"}, {"column": 1, "field": "custom: Notes"}]})
    assert errors[0]["code"] == "DUPLICATE"
    saved = await org.mutate(MAPPING_SAVE, {"mapping": [
        {"header": "Name", "field": "name"}, {"header": "Notes", "field": "custom:Notes"}]})
    assert saved["mapping"]["id"]


async def test_site_create_names_a_site_after_its_address_as_the_import_does(
        org: Org) -> None:
    created = await org.mutate(CUSTOMER_CREATE, {"input": {"name": "ABC"}})
    customer_id = created["customer"]["id"]
    site = await org.mutate(SITE_CREATE, {"customerId": customer_id,
                                          "input": {"address": {"line1": "2 George St"}}})
    assert site["site"]["name"] == "2 George St"
    errors = await org.user_errors(SITE_CREATE, {"customerId": customer_id,
                                                 "input": {"notes": "no name, no address"}})
    assert errors[0]["code"] == "REQUIRED"
    assert errors[0]["field"] == ["input", "name"]
    # The import names the same way, and finds the site it named.
    job = await run_import(org, csv_bytes([["Address Line 1", "Billing Customer", "Notes"],
                                           ["2 George St", "ABC", "gate code 1234"]]),
                           "sites.csv", entity="SITES")
    assert job["totals"]["updated"] == 1, job
    found = await org.gql('{ customerByName(name: "ABC") { sites { name notes } } }')
    assert found["customerByName"]["sites"] == [{"name": "2 George St",
                                                 "notes": "gate code 1234"}]

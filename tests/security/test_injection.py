"""User input never becomes a query operator. Search runs as index ranges on
normalized word tokens, never as a regex; names, ids and filter values are
typed by the schema; and a cell of an imported file is stored as its text.
"""

import httpx

from documents.api_key import Role
from documents.customer import Customer
from tests.conftest import CommandLog, Org
from tests.imports import csv_bytes, run_import
from tests.queries import CUSTOMER_CREATE

SEARCH = "query($s: String) { customers(filter: {search: $s}) { edges { node { name } } } }"
SITES = "query($s: String) { sites(filter: {search: $s}) { totalCount } }"
BY_NAME = "query($n: String!) { customerByName(name: $n) { name } }"


async def test_search_text_is_literal(org: Org) -> None:
    for name in ("Alpha", "Beta Works", "$where Plumbing"):
        await org.mutate(CUSTOMER_CREATE, {"input": {"name": name}})
    for text in (".*", "^", "(", "[a-z]", "\\", "{\"$ne\": null}", "$gt", "|", "*"):
        found = (await org.gql(SEARCH, {"s": text}))["customers"]["edges"]
        assert found == [], text
        assert (await org.gql(SITES, {"s": text}))["sites"]["totalCount"] == 0
    # "$where" is the word "where" once its punctuation is dropped, as in any name.
    found = (await org.gql(SEARCH, {"s": "$where"}))["customers"]["edges"]
    assert found == [{"node": {"name": "$where Plumbing"}}]
    assert (await org.gql(SEARCH, {"s": "alp"}))["customers"]["edges"] == [
        {"node": {"name": "Alpha"}}]


async def test_operator_shaped_values_are_plain_strings_or_refused(
        org: Org, command_log: CommandLog) -> None:
    await org.mutate(CUSTOMER_CREATE, {"input": {"name": "Alpha"}})
    assert (await org.gql(BY_NAME, {"n": '{"$ne": null}'}))["customerByName"] is None
    assert (await org.gql(BY_NAME, {"n": ".*"}))["customerByName"] is None
    # A JSON object where the schema wants a string never reaches a resolver.
    command_log.commands.clear()
    body = await org.post(BY_NAME, {"n": {"$ne": None}})
    assert body["data"] is None
    assert "String cannot represent a non string value" in body["errors"][0]["message"]
    body = await org.post("query($id: ID!) { customer(id: $id) { name } }",
                          {"id": {"$gt": ""}})
    assert "ID cannot represent value" in body["errors"][0]["message"]
    assert [name for name, command in command_log.commands
            if command.get(name) != "api_keys"] == []
    created = await org.mutate(CUSTOMER_CREATE, {"input": {"name": '{"$gt": ""}',
                                                           "email": None}})
    assert created["customer"]["name"] == '{"$gt": ""}'
    assert (await org.gql(BY_NAME, {"n": '{"$gt": ""}'}))["customerByName"] == {
        "name": '{"$gt": ""}'}


async def test_an_imported_operator_is_stored_as_text(
        org: Org, http: httpx.AsyncClient) -> None:
    job = await run_import(org, csv_bytes([
        ["Customer Name", "Company Name", "Notes"],
        ['{"$gt": ""}', '{"$where": "sleep(1000)"}', "$set"],
        ["Plain", "", ""],
    ]), "evil.csv", entity="CUSTOMERS")
    assert job["totals"]["created"] == 2, job
    stored = await Customer.find_one({"name_key": '{"$gt": ""}'})
    assert stored is not None
    assert stored.name == '{"$gt": ""}'
    assert stored.company_name == '{"$where": "sleep(1000)"}'
    found = await org.gql(BY_NAME, {"n": '{"$gt": ""}'})
    assert found == {"customerByName": {"name": '{"$gt": ""}'}}
    everyone = await org.gql("{ customers { totalCount } }", role=Role.ADMIN)
    assert everyone["customers"]["totalCount"] == 2

"""The schema as a contract: every definition described, the committed SDL
current, breaking changes reported, Relay paging.
"""

import subprocess
import sys
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)

from schema import build_schema
from schema.sdl import SDL_FILE, breaking_changes, current_sdl, dangerous_changes
from tests.conftest import Org

BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Every type, field, argument, input field and enum value without a description."""
    missing: list[str] = []
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN:
            continue
        if not graphql_type.description:
            missing.append(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                missing += [f"{name}.{field_name}({arg_name})"
                            for arg_name, arg in field.args.items() if not arg.description]
        elif isinstance(graphql_type, GraphQLInputObjectType):
            missing += [f"{name}.{field_name}" for field_name, field
                        in graphql_type.fields.items() if not field.description]
        elif isinstance(graphql_type, GraphQLEnumType):
            missing += [f"{name}.{value_name}" for value_name, value
                        in graphql_type.values.items() if not value.description]
    return missing


def test_every_definition_has_a_description() -> None:
    built = build_schema()
    assert undescribed(built._schema) == [], (
        "describe these where they are defined (strawberry.field(description=...))")
    assert built.description_problems == []


def test_the_walk_finds_what_is_undescribed() -> None:
    from graphql import build_schema as schema_of_sdl

    bare = schema_of_sdl('"Q" type Query { "f" a(x: Int): E  b: Int } enum E { "v" V W }')
    assert undescribed(bare) == ["Query.a(x)", "Query.b", "E", "E.W"]


def test_imported_fields_take_the_registry_description() -> None:
    customer = build_schema()._schema.type_map["Customer"]
    assert isinstance(customer, GraphQLObjectType)
    assert customer.fields["name"].description == (
        "The unique identifier; defaults to the company name, else first and last name. "
        '(Import column "Customer Name".)')


def test_the_committed_sdl_is_the_current_schema() -> None:
    committed = SDL_FILE.read_text()
    current = current_sdl()
    assert committed == current, (
        "schema.graphql is out of date: run `sitebook schema` and commit it. Breaking: "
        f"{breaking_changes(committed, current)}")


def test_breaking_changes_are_reported() -> None:
    old = current_sdl()
    removed = old.replace("  customerByName(", "  renamedByName(", 1)
    assert "Field Query.customerByName was removed." in breaking_changes(old, removed)
    assert breaking_changes(old, old) == []
    new_value = old.replace("enum ImportMode {", "enum ImportMode {\n  MERGE\n", 1)
    assert breaking_changes(old, new_value) == []
    assert any("MERGE" in change for change in dangerous_changes(old, new_value))


def test_sitebook_schema_refuses_a_breaking_change_unless_told(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    # A file whose schema has a field the current one lacks: writing would break it.
    target.write_text(current_sdl().replace("type Query {", "type Query {\n  gone: Int\n", 1))
    before = target.read_text()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "app.cli", "schema", "--out", str(target),
                               *args], capture_output=True, text=True, timeout=300, check=False)

    assert run("--check").returncode == 1
    refused = run()
    assert refused.returncode == 1
    assert "Query.gone was removed" in refused.stderr.replace("\n", " ")
    assert target.read_text() == before
    assert run("--allow-breaking").returncode == 0
    assert target.read_text() == current_sdl()
    assert run("--check").returncode == 0


PAGE = """query($after: String) { customers(first: 2, after: $after) {
  nodes { name } edges { cursor node { name } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def test_connections_follow_relay(org: Org) -> None:
    for name in ("A", "B", "C"):
        await org.mutate(f'mutation {{ customerCreate(input: {{name: "{name}"}}) '
                         "{ customer { id } userErrors { code } } }")
    first = (await org.gql(PAGE))["customers"]
    assert first["nodes"] == [{"name": "A"}, {"name": "B"}]
    assert [e["node"] for e in first["edges"]] == first["nodes"]
    info = first["pageInfo"]
    assert info == {"hasNextPage": True, "hasPreviousPage": False,
                    "startCursor": first["edges"][0]["cursor"],
                    "endCursor": first["edges"][1]["cursor"]}
    second = (await org.gql(PAGE, {"after": info["endCursor"]}))["customers"]
    assert second["nodes"] == [{"name": "C"}]
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert second["pageInfo"]["hasNextPage"] is False


async def test_a_customers_sites_contacts_and_equipment_page(org: Org) -> None:
    made = await org.mutate('mutation { customerCreate(input: {name: "ABC"}) '
                            "{ customer { id } userErrors { code } } }")
    customer_id = made["customer"]["id"]
    for n in range(3):
        await org.mutate('mutation($c: ID!, $n: String!) { siteCreate(customerId: $c, '
                         "input: {name: $n}) { site { id } userErrors { code } } }",
                         {"c": customer_id, "n": f"Site {n}"})
    query = """query($id: ID!, $after: ID) { customer(id: $id) {
      all: sites { id name } page: sites(first: 2, after: $after) { name }
      contacts(first: 1) { id } equipment(first: 1) { id } } }"""
    found = (await org.gql(query, {"id": customer_id}))["customer"]
    assert [s["name"] for s in found["all"]] == ["Site 0", "Site 1", "Site 2"]
    assert found["page"] == [{"name": "Site 0"}, {"name": "Site 1"}]
    after = (await org.gql(query, {"id": customer_id, "after": found["all"][1]["id"]}))
    assert after["customer"]["page"] == [{"name": "Site 2"}]
    wrong = await org.post(query, {"id": customer_id, "after": customer_id})
    assert wrong["errors"][0]["extensions"]["code"] == "INVALID"

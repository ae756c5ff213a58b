"""The product catalog over GraphQL: create, change, list, find, and who may."""

from documents.api_key import Role
from tests.conftest import Org

CREATE = """mutation($input: ProductInput!) { productCreate(input: $input) {
  product { id importId name recurring unitPrice currency termMonths active }
  userErrors { code message field } } }"""
UPDATE = """mutation($id: ID!, $input: ProductInput!) { productUpdate(id: $id, input: $input) {
  product { id importId name unitPrice active } userErrors { code message field } } }"""
LIST = """query($first: Int, $after: String, $filter: ProductFilter) {
  products(first: $first, after: $after, filter: $filter) {
    edges { cursor node { importId name } } pageInfo { hasNextPage endCursor } totalCount } }"""


async def create(org: Org, **fields: object) -> dict[str, object]:
    payload = await org.mutate(CREATE, {"input": fields})
    product: dict[str, object] = payload["product"]
    return product


async def test_create_reads_back_exact_money(org: Org) -> None:
    made = await create(org, importId="SUB-01", name="Cloud Suite", recurring=True,
                        unitPrice="1200.10", termMonths=12)
    assert made == {"id": made["id"], "importId": "SUB-01", "name": "Cloud Suite",
                    "recurring": True, "unitPrice": "1200.10", "currency": "AUD",
                    "termMonths": 12, "active": True}
    again = await org.gql('query($id: ID!) { product(id: $id) { unitPrice name } '
                          'node(id: $id) { id } }', {"id": made["id"]})
    assert again["product"] == {"unitPrice": "1200.10", "name": "Cloud Suite"}
    assert again["node"] == {"id": made["id"]}


async def test_create_refuses_bad_and_duplicate_products(org: Org) -> None:
    await create(org, importId="HW-1", name="Router", unitPrice="10")
    errors = await org.user_errors(CREATE, {"input": {"importId": " hw-1 ", "name": "Again"}})
    assert [e["code"] for e in errors] == ["DUPLICATE"]
    errors = await org.user_errors(CREATE, {"input": {
        "importId": "X", "unitPrice": "-1", "currency": "dollars", "termMonths": 0}})
    assert sorted(e["code"] for e in errors) == ["INVALID_CURRENCY", "INVALID_NUMBER",
                                                 "INVALID_NUMBER", "REQUIRED"]


async def test_update_changes_only_what_is_given(org: Org) -> None:
    made = await create(org, importId="SVC", name="Install", unitPrice="99.95")
    payload = await org.mutate(UPDATE, {"id": made["id"], "input": {"active": False}})
    assert payload["product"] == {"id": made["id"], "importId": "SVC", "name": "Install",
                                  "unitPrice": "99.95", "active": False}
    errors = await org.user_errors(UPDATE, {"id": "bm9wZQ", "input": {"name": "x"}})
    assert [e["code"] for e in errors] == ["NOT_FOUND"]


async def test_list_pages_searches_and_filters(org: Org) -> None:
    for n in range(5):
        await create(org, importId=f"P-{n}", name=f"Widget {n}", recurring=n % 2 == 0)
    await create(org, importId="Z-9", name="Gadget")
    first = (await org.gql(LIST, {"first": 4}))["products"]
    assert [e["node"]["importId"] for e in first["edges"]] == ["P-0", "P-1", "P-2", "P-3"]
    assert first["pageInfo"]["hasNextPage"]
    assert first["totalCount"] == 6
    rest = (await org.gql(LIST, {"first": 4, "after": first["pageInfo"]["endCursor"]}))
    assert [e["node"]["importId"] for e in rest["products"]["edges"]] == ["P-4", "Z-9"]
    found = (await org.gql(LIST, {"filter": {"search": "widg", "recurring": True}}))["products"]
    assert [e["node"]["importId"] for e in found["edges"]] == ["P-0", "P-2", "P-4"]
    assert found["totalCount"] == 3


async def test_field_keys_cannot_change_the_catalog(org: Org) -> None:
    body = await org.post(CREATE, {"input": {"importId": "F", "name": "F"}}, role=Role.FIELD)
    assert [e["code"] for e in body["data"]["productCreate"]["userErrors"]] == ["FORBIDDEN"]


async def test_other_orgs_products_look_missing(org: Org, make_org: object) -> None:
    made = await create(org, importId="MINE", name="Mine")
    other: Org = await make_org("other")  # type: ignore[operator]
    seen = await other.gql('query($id: ID!) { product(id: $id) { id } node(id: $id) { id } }',
                           {"id": made["id"]})
    assert seen == {"product": None, "node": None}
    errors = await other.user_errors(UPDATE, {"id": made["id"], "input": {"name": "Theirs"}})
    assert [e["code"] for e in errors] == ["NOT_FOUND"]
    assert (await other.gql(LIST))["products"]["edges"] == []

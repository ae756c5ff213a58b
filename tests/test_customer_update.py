from typing import Any

from tests.conftest import Org
from tests.queries import CUSTOMER, CUSTOMER_CREATE, CUSTOMER_UPDATE

ARCHIVE = """mutation($id: ID!, $archived: Boolean!) {
  customerArchive(id: $id, archived: $archived) { customer { id archived } userErrors { code } }
}"""


async def create(org: Org, **fields: Any) -> dict[str, Any]:
    customer: dict[str, Any] = (await org.mutate(CUSTOMER_CREATE, {"input": fields}))["customer"]
    return customer


async def update(org: Org, customer_id: str, **fields: Any) -> dict[str, Any]:
    payload = await org.mutate(CUSTOMER_UPDATE, {"id": customer_id, "input": fields})
    customer: dict[str, Any] = payload["customer"]
    return customer


async def test_update_changes_only_given_fields_and_null_clears(org: Org) -> None:
    customer = await create(org, name="ABC", email="a@abc.com", phone="0298765432")
    updated = await update(org, customer["id"], email=None, companyName="ABC Pty")
    assert updated["email"] is None
    assert updated["phone"] == "+61298765432"
    assert updated["companyName"] == "ABC Pty"
    assert updated["updatedAt"] >= customer["updatedAt"]
    stored = (await org.gql(CUSTOMER, {"id": customer["id"]}))["customer"]
    assert stored["email"] is None
    assert stored["companyName"] == "ABC Pty"


async def test_billing_same_as_site_follows_site_address(org: Org) -> None:
    customer = await create(
        org, name="ABC", siteAddress={"line1": "1 A St", "suburb": "Alpha"},
        billingAddress={"line1": "PO Box 9"},
    )
    assert customer["billingAddress"]["line1"] == "PO Box 9"
    same = await update(org, customer["id"], billingSameAsSite=True)
    assert same["billingAddress"]["line1"] == "1 A St"
    moved = await update(org, customer["id"], siteAddress={"line1": "2 B St", "suburb": "Beta"})
    assert moved["billingAddress"] == {"line1": "2 B St", "suburb": "Beta", "postcode": None}
    apart = await update(org, customer["id"], billingSameAsSite=False,
                         billingAddress={"line1": "PO Box 1"})
    assert apart["billingAddress"]["line1"] == "PO Box 1"
    assert apart["siteAddress"]["line1"] == "2 B St"


async def test_custom_fields_replace_and_drop_nulls(org: Org) -> None:
    customer = await create(org, name="ABC", customFields=[{"key": "Gate", "value": "12"}])
    updated = await update(
        org, customer["id"],
        customFields=[{"key": "Dog", "value": "Rex"}, {"key": "Gate", "value": None}],
    )
    assert updated["customFields"] == [{"key": "Dog", "value": "Rex"}]
    errors = await org.user_errors(
        CUSTOMER_UPDATE, {"id": customer["id"], "input": {"customFields": [{"key": " "}]}}
    )
    assert errors[0]["field"] == ["input", "customFields", "0", "key"]


async def test_archive_hides_from_list_and_restore_returns_it(org: Org) -> None:
    customer = await create(org, name="Gone Soon")
    await create(org, name="Stays")
    archived = await org.mutate(ARCHIVE, {"id": customer["id"], "archived": True})
    assert archived["customer"]["archived"] is True
    active = await org.gql("{ customers { edges { node { name } } } }")
    assert [e["node"]["name"] for e in active["customers"]["edges"]] == ["Stays"]
    only_archived = await org.gql(
        "{ customers(filter: {archived: true}) { edges { node { name } } } }"
    )
    assert [e["node"]["name"] for e in only_archived["customers"]["edges"]] == ["Gone Soon"]
    await org.mutate(ARCHIVE, {"id": customer["id"], "archived": False})
    active = await org.gql("{ customers { totalCount } }")
    assert active["customers"]["totalCount"] == 2


async def test_update_of_missing_customer_is_not_found(org: Org) -> None:
    customer = await create(org, name="ABC")
    await org.mutate(ARCHIVE, {"id": customer["id"], "archived": True})
    errors = await org.user_errors(CUSTOMER_UPDATE, {"id": "nonsense", "input": {"name": "x"}})
    assert errors == [{"code": "NOT_FOUND", "message": "Customer not found.", "field": ["id"]}]

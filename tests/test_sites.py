import asyncio
from typing import Any

from tests.conftest import Org
from tests.queries import CUSTOMER, CUSTOMER_CREATE, SITE_CREATE

SITE_UPDATE = """mutation($id: ID!, $input: SiteInput!) {
  siteUpdate(id: $id, input: $input) {
    site { id name address { line1 suburb postcode } phone notes customer { name } }
    userErrors { code message field }
  }
}"""
SITE_DELETE = """mutation($id: ID!) {
  siteDelete(id: $id) { deletedId userErrors { code message field } }
}"""
EQUIPMENT_CREATE = """mutation($customerId: ID!, $input: EquipmentInput!) {
  equipmentCreate(customerId: $customerId, input: $input) {
    equipment { id site { id } } userErrors { code field }
  }
}"""


async def customer(org: Org, name: str = "Customer ABC") -> str:
    payload = await org.mutate(CUSTOMER_CREATE, {"input": {"name": name}})
    customer_id: str = payload["customer"]["id"]
    return customer_id


async def add_site(org: Org, customer_id: str, **fields: Any) -> dict[str, Any]:
    payload = await org.mutate(SITE_CREATE, {"customerId": customer_id, "input": fields})
    site: dict[str, Any] = payload["site"]
    return site


async def test_billing_customer_with_five_sites(org: Org) -> None:
    abc = await customer(org)
    for n in range(1, 6):
        site = await add_site(org, abc, name=f"Site {n}",
                              address={"line1": f"{n} Main Rd", "suburb": "Brisbane"})
        assert site["customer"] == {"id": abc, "name": "Customer ABC"}
    stored = (await org.gql(CUSTOMER, {"id": abc}))["customer"]
    assert [s["name"] for s in stored["sites"]] == [f"Site {n}" for n in range(1, 6)]
    assert stored["sites"][2]["address"]["line1"] == "3 Main Rd"


async def test_site_validation(org: Org) -> None:
    abc = await customer(org)
    await add_site(org, abc, name="Warehouse")
    errors = await org.user_errors(SITE_CREATE, {"customerId": abc, "input": {"name": " "}})
    assert errors[0]["code"] == "REQUIRED"
    errors = await org.user_errors(
        SITE_CREATE, {"customerId": abc, "input": {"name": "WAREHOUSE", "email": "x@"}}
    )
    assert {e["code"] for e in errors} == {"DUPLICATE", "INVALID_EMAIL"}
    errors = await org.user_errors(SITE_CREATE, {"customerId": "nope", "input": {"name": "S"}})
    assert errors[0] == {"code": "NOT_FOUND", "message": "Customer not found.",
                         "field": ["customerId"]}


async def test_update_and_delete_site(org: Org) -> None:
    abc = await customer(org)
    site = await add_site(org, abc, name="Shop", address={"line1": "1 A St"})
    updated = await org.mutate(SITE_UPDATE, {"id": site["id"], "input": {
        "notes": "Key under mat", "phone": "(07) 3123 4567"}})
    assert updated["site"]["notes"] == "Key under mat"
    assert updated["site"]["phone"] == "+61731234567"
    assert updated["site"]["name"] == "Shop"
    assert updated["site"]["address"]["line1"] == "1 A St"
    item = await org.mutate(EQUIPMENT_CREATE, {"customerId": abc, "input": {
        "name": "Boiler", "siteId": site["id"]}})
    assert item["equipment"]["site"] == {"id": site["id"]}
    deleted = await org.mutate(SITE_DELETE, {"id": site["id"]})
    assert deleted["deletedId"] == site["id"]
    stored = (await org.gql(CUSTOMER, {"id": abc}))["customer"]
    assert stored["sites"] == []
    # The equipment stays with the customer, no longer at the deleted site.
    assert [(e["name"], e["site"]) for e in stored["equipment"]] == [("Boiler", None)]
    errors = await org.user_errors(SITE_DELETE, {"id": site["id"]})
    assert errors[0]["code"] == "NOT_FOUND"
    errors = await org.user_errors(SITE_UPDATE, {"id": site["id"], "input": {"name": "X"}})
    assert errors[0] == {"code": "NOT_FOUND", "message": "Site not found.", "field": ["id"]}


async def test_concurrent_edits_of_one_customer_lose_nothing(org: Org) -> None:
    abc = await customer(org)
    await asyncio.gather(*(add_site(org, abc, name=f"Site {n}") for n in range(12)))
    stored = (await org.gql(CUSTOMER, {"id": abc}))["customer"]
    assert sorted(s["name"] for s in stored["sites"]) == sorted(f"Site {n}" for n in range(12))

from tests.conftest import Org
from tests.queries import CUSTOMER, CUSTOMER_CREATE, SITE_CREATE

EQUIPMENT_CREATE = """mutation($customerId: ID!, $input: EquipmentInput!) {
  equipmentCreate(customerId: $customerId, input: $input) {
    equipment { id name make model serialNumber installDate warrantyExpiry
                site { id name } customer { name } }
    userErrors { code message field }
  }
}"""
EQUIPMENT_UPDATE = """mutation($id: ID!, $input: EquipmentInput!) {
  equipmentUpdate(id: $id, input: $input) {
    equipment { id name serialNumber site { name } } userErrors { code message field }
  }
}"""
EQUIPMENT_DELETE = """mutation($id: ID!) {
  equipmentDelete(id: $id) { deletedId userErrors { code message field } }
}"""


async def test_equipment_lifecycle(org: Org) -> None:
    customer = (await org.mutate(CUSTOMER_CREATE, {"input": {"name": "ABC"}}))["customer"]
    site = (await org.mutate(SITE_CREATE, {"customerId": customer["id"],
                                           "input": {"name": "Plant room"}}))["site"]
    created = await org.mutate(EQUIPMENT_CREATE, {"customerId": customer["id"], "input": {
        "name": "Chiller", "make": "Carrier", "model": "30XA", "serialNumber": "SN-1",
        "installDate": "2024-03-01", "warrantyExpiry": "2027-03-01", "siteId": site["id"]}})
    item = created["equipment"]
    assert item["installDate"] == "2024-03-01"
    assert item["site"] == {"id": site["id"], "name": "Plant room"}
    assert item["customer"] == {"name": "ABC"}
    stored = (await org.gql(CUSTOMER, {"id": customer["id"]}))["customer"]
    assert stored["sites"][0]["equipment"] == [{"id": item["id"], "name": "Chiller"}]

    updated = await org.mutate(EQUIPMENT_UPDATE, {"id": item["id"], "input": {
        "serialNumber": "SN-2", "siteId": None}})
    assert updated["equipment"] == {"id": item["id"], "name": "Chiller", "serialNumber": "SN-2",
                                    "site": None}
    await org.mutate(EQUIPMENT_DELETE, {"id": item["id"]})
    stored = (await org.gql(CUSTOMER, {"id": customer["id"]}))["customer"]
    assert stored["equipment"] == []


async def test_equipment_validation(org: Org) -> None:
    abc = (await org.mutate(CUSTOMER_CREATE, {"input": {"name": "ABC"}}))["customer"]
    other = (await org.mutate(CUSTOMER_CREATE, {"input": {"name": "Other"}}))["customer"]
    their_site = (await org.mutate(SITE_CREATE, {"customerId": other["id"],
                                                 "input": {"name": "Theirs"}}))["site"]
    errors = await org.user_errors(EQUIPMENT_CREATE, {"customerId": abc["id"], "input": {
        "name": "Pump", "siteId": their_site["id"]}})
    assert errors == [{"code": "UNKNOWN_SITE", "message": "ABC has no such site.",
                       "field": ["input", "siteId"]}]
    errors = await org.user_errors(EQUIPMENT_CREATE, {"customerId": abc["id"], "input": {
        "make": "Acme", "installDate": "2025-01-01", "warrantyExpiry": "2024-01-01"}})
    assert {e["code"] for e in errors} == {"REQUIRED", "INVALID"}
    errors = await org.user_errors(EQUIPMENT_DELETE, {"id": their_site["id"]})
    assert errors[0]["code"] == "NOT_FOUND"

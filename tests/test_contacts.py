from tests.conftest import Org
from tests.queries import CUSTOMER, CUSTOMER_CREATE

CONTACT_CREATE = """mutation($customerId: ID!, $input: ContactInput!) {
  contactCreate(customerId: $customerId, input: $input) {
    contact { id firstName lastName role email phone mobile isPrimary }
    userErrors { code message field }
  }
}"""
CONTACT_UPDATE = """mutation($id: ID!, $input: ContactInput!) {
  contactUpdate(id: $id, input: $input) {
    contact { id firstName role isPrimary } userErrors { code message field }
  }
}"""
CONTACT_DELETE = """mutation($id: ID!) {
  contactDelete(id: $id) { deletedId userErrors { code message field } }
}"""


async def test_contacts_lifecycle_and_one_primary(org: Org) -> None:
    customer = (await org.mutate(CUSTOMER_CREATE, {"input": {"name": "ABC"}}))["customer"]
    first = await org.mutate(CONTACT_CREATE, {"customerId": customer["id"], "input": {
        "firstName": "Ann", "lastName": "Lee", "role": "Owner", "email": "ann@abc.com",
        "mobile": "0400 000 001", "isPrimary": True}})
    assert first["contact"]["mobile"] == "+61400000001"
    assert first["contact"]["isPrimary"] is True
    second = await org.mutate(CONTACT_CREATE, {"customerId": customer["id"], "input": {
        "firstName": "Bob", "isPrimary": True}})
    stored = (await org.gql(CUSTOMER, {"id": customer["id"]}))["customer"]["contacts"]
    assert [(c["firstName"], c["isPrimary"]) for c in stored] == [("Ann", False), ("Bob", True)]

    updated = await org.mutate(CONTACT_UPDATE, {"id": first["contact"]["id"], "input": {
        "role": "Director"}})
    assert updated["contact"] == {"id": first["contact"]["id"], "firstName": "Ann",
                                  "role": "Director", "isPrimary": False}
    await org.mutate(CONTACT_DELETE, {"id": second["contact"]["id"]})
    stored = (await org.gql(CUSTOMER, {"id": customer["id"]}))["customer"]["contacts"]
    assert [c["firstName"] for c in stored] == ["Ann"]


async def test_contact_validation(org: Org) -> None:
    customer = (await org.mutate(CUSTOMER_CREATE, {"input": {"name": "ABC"}}))["customer"]
    errors = await org.user_errors(CONTACT_CREATE, {"customerId": customer["id"], "input": {
        "role": "Nobody"}})
    assert errors[0]["code"] == "REQUIRED"
    errors = await org.user_errors(CONTACT_CREATE, {"customerId": customer["id"], "input": {
        "firstName": "A", "email": "bad", "phone": "x"}})
    assert {(e["code"], tuple(e["field"])) for e in errors} == {
        ("INVALID_EMAIL", ("input", "email")), ("INVALID_PHONE", ("input", "phone"))}
    errors = await org.user_errors(CONTACT_UPDATE, {"id": "missing", "input": {"role": "x"}})
    assert errors[0] == {"code": "NOT_FOUND", "message": "Contact not found.", "field": ["id"]}

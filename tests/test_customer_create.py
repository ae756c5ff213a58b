from typing import Any

from documents.api_key import Role
from tests.conftest import Org
from tests.queries import CUSTOMER_CREATE, CUSTOMER_UPDATE


async def create(org: Org, **fields: Any) -> dict[str, Any]:
    payload = await org.mutate(CUSTOMER_CREATE, {"input": fields})
    customer: dict[str, Any] = payload["customer"]
    return customer


async def test_create_customer_with_details_and_lookups(org: Org) -> None:
    term = await org.mutate(
        'mutation { paymentTermCreate(input: {name: "30 days", dueDays: 30}) '
        "{ paymentTerm { id name dueDays } userErrors { code } } }",
        role=Role.ADMIN,
    )
    kind = await org.mutate(
        'mutation { customerTypeCreate(name: "Residential") '
        "{ customerType { id } userErrors { code } } }"
    )
    customer = await create(
        org,
        name="  Customer   ABC ",
        firstName="Ann",
        lastName="Brown",
        email="Ann@Example.COM",
        phone="0412 345 678",
        paymentTermId=term["paymentTerm"]["id"],
        customerTypeId=kind["customerType"]["id"],
        siteAddress={"line1": "1 High St", "suburb": "Springfield", "postcode": "4000"},
        billingSameAsSite=True,
        customFields=[{"key": "Gate code", "value": "1234"}],
    )
    assert customer["name"] == "Customer   ABC"
    assert customer["email"] == "Ann@example.com"
    assert customer["phone"] == "+61412345678"
    assert customer["paymentTerm"]["name"] == "30 days"
    assert customer["customerType"]["id"] == kind["customerType"]["id"]
    assert customer["billingAddress"] == {"line1": "1 High St", "suburb": "Springfield",
                                          "postcode": "4000"}
    assert customer["customFields"] == [{"key": "Gate code", "value": "1234"}]
    assert customer["archived"] is False


async def test_name_defaults_to_company_then_person(org: Org) -> None:
    assert (await create(org, companyName="Widgets Pty"))["name"] == "Widgets Pty"
    assert (await create(org, firstName="Ann", lastName="Lee"))["name"] == "Ann Lee"
    errors = await org.user_errors(CUSTOMER_CREATE, {"input": {"email": "a@b.co"}})
    assert [(e["code"], e["field"]) for e in errors] == [("REQUIRED", ["input", "name"])]


async def test_duplicate_name_ignoring_case_and_spaces(org: Org) -> None:
    await create(org, name="Customer ABC")
    errors = await org.user_errors(CUSTOMER_CREATE, {"input": {"name": " customer  abc"}})
    assert errors[0]["code"] == "DUPLICATE"
    assert errors[0]["field"] == ["input", "name"]
    other = await create(org, name="Other")
    errors = await org.user_errors(
        CUSTOMER_UPDATE, {"id": other["id"], "input": {"name": "CUSTOMER abc"}}
    )
    assert errors[0]["code"] == "DUPLICATE"


async def test_invalid_email_and_phone_report_each_field(org: Org) -> None:
    errors = await org.user_errors(
        CUSTOMER_CREATE, {"input": {"name": "X", "email": "not-an-email", "mobile": "12"}}
    )
    found = {(e["code"], tuple(e["field"])) for e in errors}
    assert found == {("INVALID_EMAIL", ("input", "email")), ("INVALID_PHONE", ("input", "mobile"))}
    data = await org.gql("{ customers { totalCount } }")
    assert data["customers"]["totalCount"] == 0


async def test_unknown_payment_term_and_price_level_are_refused(org: Org) -> None:
    other = await create(org, name="Not a term")
    errors = await org.user_errors(
        CUSTOMER_CREATE,
        {"input": {"name": "X", "paymentTermId": other["id"], "priceLevelId": "garbage"}},
    )
    codes = {e["code"] for e in errors}
    assert codes == {"UNKNOWN_PAYMENT_TERM", "UNKNOWN_PRICE_LEVEL"}

"""Nested inputs merge: a field left out keeps its value, null clears it."""

from typing import Any

from tests.conftest import Org
from tests.queries import CUSTOMER_CREATE, CUSTOMER_UPDATE

ADDRESS = {"line1": "1 Quay St", "line2": "Level 2", "suburb": "Sydney", "state": "NSW",
           "postcode": "2000", "country": "AU", "latitude": -33.86, "longitude": 151.21}
SITE_UPDATE = """mutation($id: ID!, $input: SiteInput!) { siteUpdate(id: $id, input: $input) {
  site { address { line1 line2 suburb state postcode country latitude longitude } }
  userErrors { code message field } } }"""
SITE_CREATE = """mutation($customerId: ID!, $input: SiteInput!) {
  siteCreate(customerId: $customerId, input: $input) { site { id } userErrors { code } } }"""


async def _customer(org: Org, **fields: Any) -> dict[str, Any]:
    made = await org.mutate(CUSTOMER_CREATE, {"input": {"name": "Acme", **fields}})
    customer: dict[str, Any] = made["customer"]
    return customer


async def _update(org: Org, customer_id: str, **fields: Any) -> dict[str, Any]:
    updated = await org.mutate(CUSTOMER_UPDATE, {"id": customer_id, "input": fields})
    customer: dict[str, Any] = updated["customer"]
    return customer


async def test_a_partial_site_address_keeps_the_other_fields(org: Org) -> None:
    customer = await _customer(org, siteAddress=ADDRESS)
    after = await _update(org, customer["id"], siteAddress={"line1": "2 George St"})
    assert after["siteAddress"] == {**ADDRESS, "line1": "2 George St"}
    after = await _update(org, customer["id"], siteAddress={"line2": None, "latitude": None})
    assert after["siteAddress"] == {**ADDRESS, "line1": "2 George St", "line2": None,
                                    "latitude": None}
    after = await _update(org, customer["id"], siteAddress=None)
    assert set(after["siteAddress"].values()) == {None}


async def test_a_partial_billing_address_keeps_the_other_fields(org: Org) -> None:
    customer = await _customer(org, billingAddress=ADDRESS)
    after = await _update(org, customer["id"], billingAddress={"postcode": "2001"})
    assert after["billingAddress"] == {"line1": "1 Quay St", "suburb": "Sydney",
                                       "postcode": "2001"}


async def test_a_partial_site_address_on_a_site_keeps_the_other_fields(org: Org) -> None:
    customer = await _customer(org)
    site = await org.mutate(SITE_CREATE, {"customerId": customer["id"],
                                          "input": {"name": "Depot", "address": ADDRESS}})
    after = await org.mutate(SITE_UPDATE, {"id": site["site"]["id"],
                                           "input": {"address": {"postcode": "2751"}}})
    assert after["site"]["address"] == {**ADDRESS, "postcode": "2751"}


async def test_a_partial_billing_arrangement_keeps_the_other_fields(org: Org) -> None:
    manager = await org.mutate(CUSTOMER_CREATE, {"input": {"name": "Manager"}})
    other = await org.mutate(CUSTOMER_CREATE, {"input": {"name": "Other Manager"}})
    manager_id = manager["customer"]["id"]
    customer = await _customer(org, billing={
        "billingCustomerId": manager_id, "careOfName": "c/o Manager",
        "accountNumber": "A-1", "invoicingOptions": ["SHOW_CARE_OF_NAME"]})
    after = await _update(org, customer["id"], billing={
        "billingCustomerId": other["customer"]["id"], "accountNumber": "B-2"})
    assert after["billing"] == {
        "billingCustomer": {"id": other["customer"]["id"], "name": "Other Manager"},
        "careOfName": "c/o Manager", "accountNumber": "B-2",
        "invoicingOptions": ["SHOW_CARE_OF_NAME"]}
    after = await _update(org, customer["id"], billing={
        "billingCustomerId": manager_id, "careOfName": None})
    assert after["billing"]["careOfName"] is None
    assert after["billing"]["accountNumber"] == "B-2"
    after = await _update(org, customer["id"], billing=None)
    assert after["billing"] is None


async def test_custom_fields_are_set_by_key(org: Org) -> None:
    customer = await _customer(org, customFields=[{"key": "Gate", "value": "1234"},
                                                  {"key": "Dog", "value": "Rex"}])
    after = await _update(org, customer["id"], customFields=[{"key": "Gate", "value": "9999"},
                                                             {"key": "Alarm", "value": "on"}])
    assert {f["key"]: f["value"] for f in after["customFields"]} == {
        "Gate": "9999", "Dog": "Rex", "Alarm": "on"}
    after = await _update(org, customer["id"], customFields=[{"key": "Dog", "value": None}])
    assert {f["key"]: f["value"] for f in after["customFields"]} == {
        "Gate": "9999", "Alarm": "on"}
    after = await _update(org, customer["id"], customFields=None)
    assert after["customFields"] == []

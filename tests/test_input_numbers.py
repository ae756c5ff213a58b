"""Every number and range is checked: a userError with the argument's path, never INTERNAL."""

import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from documents.api_key import Role
from tests.conftest import Org
from tests.queries import CUSTOMER_CREATE

PRICE_LEVEL = """mutation($input: PriceLevelInput!) { priceLevelCreate(input: $input) {
  priceLevel { name adjustmentPercent } userErrors { code message field } } }"""
PAYMENT_TERM = """mutation($input: PaymentTermInput!) { paymentTermCreate(input: $input) {
  paymentTerm { name dueDays } userErrors { code message field } } }"""
PRODUCT = """mutation($input: ProductInput!) { productCreate(input: $input) {
  product { importId unitPrice termMonths } userErrors { code message field } } }"""


async def _refusal(org: Org, query: str, values: dict[str, Any]) -> list[tuple[str, list[str]]]:
    errors = await org.user_errors(query, {"input": values}, role=Role.ADMIN)
    return [(e["code"], e["field"]) for e in errors]


async def test_price_levels_are_bounded_and_finite(org: Org) -> None:
    for bad in ("NaN", "Infinity", "-Infinity", "-200", "1000.01", "1e40"):
        assert await _refusal(org, PRICE_LEVEL, {"name": f"L{bad}", "adjustmentPercent": bad}) \
            == [("INVALID_NUMBER", ["input", "adjustmentPercent"])], bad
    for good in ("-100", "-12.5", "1000"):
        made = await org.mutate(PRICE_LEVEL, {"input": {"name": f"L{good}",
                                                        "adjustmentPercent": good}},
                                role=Role.ADMIN)
        assert made["priceLevel"]["adjustmentPercent"] == good


async def test_payment_terms_are_due_on_or_after_the_invoice(org: Org) -> None:
    for bad in (-1, 3651, 2_000_000_000):
        assert await _refusal(org, PAYMENT_TERM, {"name": f"T{bad}", "dueDays": bad}) == [
            ("INVALID_NUMBER", ["input", "dueDays"])], bad
    made = await org.mutate(PAYMENT_TERM, {"input": {"name": "COD", "dueDays": 0}},
                            role=Role.ADMIN)
    assert made["paymentTerm"]["dueDays"] == 0


async def test_product_prices_and_terms_are_finite_and_sane(org: Org) -> None:
    for bad in ("NaN", "Infinity", "1e12", "0.0000001"):
        errors = await org.user_errors(PRODUCT, {"input": {
            "importId": f"P{bad}", "name": "P", "unitPrice": bad}})
        assert [(e["code"], e["field"]) for e in errors] == [
            ("INVALID_NUMBER", ["input", "unitPrice"])], bad
        assert "negative" not in errors[0]["message"]
    errors = await org.user_errors(PRODUCT, {"input": {"importId": "N", "name": "N",
                                                       "unitPrice": "-1"}})
    assert "cannot be negative" in errors[0]["message"]
    for term in (0, 1201, 2_000_000_000):
        errors = await org.user_errors(PRODUCT, {"input": {"importId": f"T{term}", "name": "T",
                                                           "termMonths": term}})
        assert [(e["code"], e["field"]) for e in errors] == [
            ("INVALID_NUMBER", ["input", "termMonths"])], term
    made = await org.mutate(PRODUCT, {"input": {"importId": "OK", "name": "OK",
                                                "unitPrice": "0.000001", "termMonths": 1200}})
    assert made["product"]["termMonths"] == 1200


async def test_a_field_path_is_camel_case(org: Org) -> None:
    errors = await org.user_errors(PRODUCT, {"input": {"name": "No id"}})
    assert [(e["code"], e["field"]) for e in errors] == [("REQUIRED", ["input", "importId"])]


async def test_coordinates_are_on_the_earth(org: Org) -> None:
    errors = await org.user_errors(CUSTOMER_CREATE, {"input": {
        "name": "Far", "siteAddress": {"latitude": 91, "longitude": -181}}})
    assert {tuple(e["field"]) for e in errors} == {
        ("input", "siteAddress", "latitude"), ("input", "siteAddress", "longitude")}


# Every mutation that stores numbers or text, with where generated values go.
MUTATIONS: list[tuple[str, str, Any]] = [
    ("customerCreate", "mutation($input: CustomerInput!) { customerCreate(input: $input) "
     "{ userErrors { code } } }",
     lambda t, d, i, f: {"input": {
         "name": t, "firstName": t, "companyName": t, "email": t, "phone": t,
         "siteAddress": {"line1": t, "postcode": t, "latitude": f, "longitude": f},
         "billingAddress": {"suburb": t}, "customFields": [{"key": t, "value": t}]}}),
    ("productCreate", "mutation($input: ProductInput!) { productCreate(input: $input) "
     "{ userErrors { code } } }",
     lambda t, d, i, f: {"input": {"importId": t, "name": t, "unitPrice": d, "currency": t,
                                   "termMonths": i}}),
    ("priceLevelCreate", PRICE_LEVEL,
     lambda t, d, i, f: {"input": {"name": t, "adjustmentPercent": d}}),
    ("paymentTermCreate", PAYMENT_TERM, lambda t, d, i, f: {"input": {"name": t, "dueDays": i}}),
    ("customerTypeCreate", "mutation($n: String!) { customerTypeCreate(name: $n) "
     "{ userErrors { code } } }", lambda t, d, i, f: {"n": t}),
    ("leadSourceCreate", "mutation($n: String!) { leadSourceCreate(name: $n) "
     "{ userErrors { code } } }", lambda t, d, i, f: {"n": t}),
    ("userCreate", "mutation($n: String!, $e: String) { userCreate(input: {name: $n, email: $e})"
     " { userErrors { code } } }", lambda t, d, i, f: {"n": t, "e": t}),
    ("settingsUpdate", "mutation($t: String) { settingsUpdate(input: {customerLabel: $t, "
     "defaultRegion: $t}) { userErrors { code } } }", lambda t, d, i, f: {"t": t}),
    ("customerUpdate", "mutation($id: ID!, $input: CustomerInput!) { customerUpdate(id: $id, "
     "input: $input) { userErrors { code } } }",
     lambda t, d, i, f: {"id": "$customer", "input": {
         "lastName": t, "billingAddress": {"line1": t, "latitude": f},
         "billing": {"billingCustomerId": "$other", "careOfName": t, "accountNumber": t},
         "customFields": [{"key": "k", "value": t}, {"key": t, "value": None}]}}),
    ("siteCreate", "mutation($id: ID!, $input: SiteInput!) { siteCreate(customerId: $id, "
     "input: $input) { userErrors { code } } }",
     lambda t, d, i, f: {"id": "$customer", "input": {
         "name": t, "notes": t, "contactName": t, "phone": t,
         "address": {"line1": t, "longitude": f}}}),
    ("contactCreate", "mutation($id: ID!, $input: ContactInput!) { contactCreate(customerId: "
     "$id, input: $input) { userErrors { code } } }",
     lambda t, d, i, f: {"id": "$customer", "input": {"firstName": t, "role": t, "email": t}}),
    ("equipmentCreate", "mutation($id: ID!, $input: EquipmentInput!) { equipmentCreate("
     "customerId: $id, input: $input) { userErrors { code } } }",
     lambda t, d, i, f: {"id": "$customer", "input": {"name": t, "make": t,
                                                       "serialNumber": t}}),
    ("billingCustomerAssign", "mutation($id: ID!, $input: BillingInput!) { "
     "billingCustomerAssign(customerId: $id, input: $input) { userErrors { code } } }",
     lambda t, d, i, f: {"id": "$customer", "input": {"billingCustomerId": "$other",
                                                       "careOfName": t}}),
    ("productUpdate", "mutation($id: ID!, $input: ProductInput!) { productUpdate(id: $id, "
     "input: $input) { userErrors { code } } }",
     lambda t, d, i, f: {"id": "$product", "input": {"name": t, "unitPrice": d,
                                                      "termMonths": i}}),
    ("customerTypeRename", "mutation($id: ID!, $n: String!) { customerTypeRename(id: $id, "
     "name: $n) { userErrors { code } } }", lambda t, d, i, f: {"id": "$type", "n": t}),
    ("mappingSave", "mutation($n: String!, $h: String) { mappingSave(input: {name: $n, "
     "entity: CUSTOMERS, mapping: [{header: $h, field: \"name\"}]}) { userErrors { code } } }",
     lambda t, d, i, f: {"n": t, "h": t}),
]


async def _ids(org: Org) -> dict[str, str]:
    """A customer, another, a product and a customer type to aim mutations at."""
    found = await org.gql('{ a: customerByName(name: "Fuzz A") { id } '
                          'b: customerByName(name: "Fuzz B") { id } '
                          "products(first: 1) { edges { node { id } } } customerTypes { id } }")
    if found["a"] is None:
        for name in ("Fuzz A", "Fuzz B"):
            await org.mutate(CUSTOMER_CREATE, {"input": {"name": name}})
        await org.mutate(PRODUCT, {"input": {"importId": "FUZZ", "name": "Fuzz"}})
        await org.mutate('mutation { customerTypeCreate(name: "Fuzz") '
                         "{ customerType { id } userErrors { code } } }")
        return await _ids(org)
    return {"$customer": found["a"]["id"], "$other": found["b"]["id"],
            "$product": found["products"]["edges"][0]["node"]["id"],
            "$type": found["customerTypes"][0]["id"]}


def _with_ids(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _with_ids(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_ids(item, ids) for item in value]
    return ids.get(value, value) if isinstance(value, str) else value

NASTY_TEXT = st.sampled_from(["", " ", "\x00", "a\x01b", "\ud800", "\ufeff", "\u202e",
                              "x" * 300, "$gt", "a.b", "\n\t",
                              "\uff46\uff55\uff4c\uff4c", "e\u0301"])
TEXTS = st.one_of(NASTY_TEXT, st.text(max_size=300))
DECIMALS = st.one_of(
    st.sampled_from(["NaN", "sNaN", "Infinity", "-Infinity", "1e999999", "1e-999999", "-0",
                     "12345678901234567890123456789012345678", "abc", "1_000", " 1 "]),
    st.decimals(allow_nan=True, allow_infinity=True).map(str))
INTS = st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, -1, 1200, 1201]))
FLOATS = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.none())
EXAMPLES = int(os.environ.get("SITEBOOK_INPUT_FUZZ_EXAMPLES", "30"))


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(MUTATIONS), TEXTS, DECIMALS, INTS, FLOATS)
async def test_generated_values_never_cause_an_internal_error(
        org: Org, mutation: tuple[str, str, Any], text: str, decimal: str, integer: int,
        number: float | None) -> None:
    name, query, variables = mutation
    # Encoded by hand: ASCII JSON carries a lone surrogate as \ud800, as a client can send it.
    values = _with_ids(variables(text, decimal, integer, number), await _ids(org))
    body = json.dumps({"query": query, "variables": values})
    response = await org.http.post(
        "/graphql", content=body.encode(),
        headers={"Authorization": f"Bearer {org.keys[Role.ADMIN]}",
                 "Content-Type": "application/json"})
    assert response.status_code < 500, (name, response.text)
    answer = response.json()
    codes = [(e.get("extensions") or {}).get("code") for e in answer.get("errors") or []]
    assert "INTERNAL" not in codes, (name, answer)

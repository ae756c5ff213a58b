from documents.api_key import Role
from tests.conftest import Org
from tests.queries import CUSTOMER_CREATE


async def test_office_adds_customer_types_and_lead_sources(org: Org) -> None:
    for name in ("Residential", "Commercial"):
        await org.mutate(f'mutation {{ customerTypeCreate(name: "{name}") '
                         "{ customerType { name } userErrors { code } } }")
    await org.mutate('mutation { leadSourceCreate(name: "Google") '
                     "{ leadSource { name } userErrors { code } } }")
    errors = await org.user_errors('mutation { customerTypeCreate(name: " residential ") '
                                   "{ customerType { name } userErrors { code message field } } }")
    # customerTypeCreate takes `name` itself, not an input: the path is the argument.
    assert errors == [{"code": "DUPLICATE", "message": "'residential' already exists.",
                       "field": ["name"]}]
    data = await org.gql("{ customerTypes { name } leadSources { name } }", role=Role.FIELD)
    assert data == {"customerTypes": [{"name": "Commercial"}, {"name": "Residential"}],
                    "leadSources": [{"name": "Google"}]}


async def test_admin_defines_payment_terms_price_levels_and_users(org: Org) -> None:
    term = await org.mutate('mutation { paymentTermCreate(input: {name: "Net 14", dueDays: 14}) '
                            "{ paymentTerm { id name dueDays } userErrors { code } } }",
                            role=Role.ADMIN)
    level = await org.mutate(
        'mutation { priceLevelCreate(input: {name: "Trade", adjustmentPercent: "-12.5"}) '
        "{ priceLevel { id name adjustmentPercent } userErrors { code } } }", role=Role.ADMIN)
    user = await org.mutate(
        'mutation { userCreate(input: {name: "Sam Manager", email: "sam@acme.com"}) '
        "{ user { id name email } userErrors { code } } }", role=Role.ADMIN)
    assert level["priceLevel"]["adjustmentPercent"] == "-12.5"
    data = await org.gql("{ paymentTerms { name dueDays } priceLevels { name adjustmentPercent } "
                         "users { name email } }")
    assert data == {"paymentTerms": [{"name": "Net 14", "dueDays": 14}],
                    "priceLevels": [{"name": "Trade", "adjustmentPercent": "-12.5"}],
                    "users": [{"name": "Sam Manager", "email": "sam@acme.com"}]}
    customer = await org.mutate(CUSTOMER_CREATE, {"input": {
        "name": "ABC", "paymentTermId": term["paymentTerm"]["id"],
        "priceLevelId": level["priceLevel"]["id"], "assignedUserId": user["user"]["id"]}})
    assert customer["customer"]["assignedUser"] == {"id": user["user"]["id"],
                                                    "name": "Sam Manager"}
    assert customer["customer"]["priceLevel"]["name"] == "Trade"


async def test_office_cannot_invent_payment_terms_or_price_levels(org: Org) -> None:
    for mutation in ('paymentTermCreate(input: {name: "Whenever"}) { paymentTerm { id } ',
                     'priceLevelCreate(input: {name: "Free"}) { priceLevel { id } ',
                     'userCreate(input: {name: "Me"}) { user { id } '):
        errors = await org.user_errors(f"mutation {{ {mutation} userErrors {{ code }} }} }}")
        assert errors == [{"code": "FORBIDDEN"}]
    data = await org.gql("{ paymentTerms { id } priceLevels { id } users { id } }")
    assert data == {"paymentTerms": [], "priceLevels": [], "users": []}


async def test_settings_customer_label(org: Org) -> None:
    assert (await org.gql("{ settings { customerLabel defaultRegion } }")) == {
        "settings": {"customerLabel": "Customer", "defaultRegion": "AU"}}
    payload = await org.mutate(
        'mutation { settingsUpdate(input: {customerLabel: "Client", defaultRegion: "nz"}) '
        "{ settings { customerLabel defaultRegion } userErrors { code } } }", role=Role.ADMIN)
    assert payload["settings"] == {"customerLabel": "Client", "defaultRegion": "NZ"}
    assert (await org.gql("{ settings { customerLabel } }", role=Role.FIELD)) == {
        "settings": {"customerLabel": "Client"}}
    # Phones without a country code are now read as New Zealand numbers.
    customer = await org.mutate(
        CUSTOMER_CREATE, {"input": {"name": "Kiwi", "phone": "09 123 4567"}}
    )
    assert customer["customer"]["phone"] == "+6491234567"
    errors = await org.user_errors(
        'mutation { settingsUpdate(input: {customerLabel: "", defaultRegion: "XX"}) '
        "{ settings { customerLabel } userErrors { code field } } }", role=Role.ADMIN)
    assert {tuple(e["field"]) for e in errors} == {("input", "customerLabel"),
                                                   ("input", "defaultRegion")}
    errors = await org.user_errors(
        'mutation { settingsUpdate(input: {customerLabel: "Patron"}) '
        "{ settings { customerLabel } userErrors { code } } }", role=Role.OFFICE)
    assert errors == [{"code": "FORBIDDEN"}]

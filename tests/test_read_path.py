"""The read path's shortcuts (schema/execution.py: attribute fields and plain
selections completed without graphql-core's per-field path) answer exactly as
graphql-core does, data and errors, whatever the query's shape.
"""

from typing import Any

from beanie import PydanticObjectId

from documents.api_key import Role
from documents.customer import Customer
from documents.organization import Organization, OrgSettings
from resolvers.actor import Actor
from resolvers.imports import ImportLimits
from schema import build_schema
from schema.context import Context
from tests.conftest import Org

FAST = build_schema()
PLAIN = build_schema(attribute_shortcuts=False)

QUERIES = [
    # plain selections, aliases, __typename, nested lists of objects
    """{ customers(first: 10) { edges { cursor node { __typename id name email archived
         createdAt siteAddress { line1 suburb latitude } billingAddress { line1 }
         other: sites { id n: name address { __typename postcode } equipment { name } }
         contacts { firstName isPrimary typedPhones } customerType { name }
         billing { careOfName invoicingOptions billingCustomer { name } } } }
         pageInfo { hasNextPage endCursor } } }""",
    # fragments, directives, the same field twice with different selections
    """query($no: Boolean!) { customers { nodes { ...F sites { id } sites { name }
         address: siteAddress @include(if: $no) { line1 } } } }
       fragment F on Customer { name sites { address { suburb } } }""",
    # arguments inside a plain selection, inline fragments, node()
    """{ customers { nodes { sites(first: 1) { name } equipment { site { name }
         ... on Equipment { make } customer { name } } } } }""",
]


async def run(schema: Any, org: Org, query: str) -> dict[str, Any]:
    organization = await Organization.find_one({"slug": org.slug})
    assert organization is not None
    assert organization.id is not None
    actor = Actor(org_id=organization.id, org_slug=org.slug, role=Role.OFFICE,
                  settings=OrgSettings())
    context = Context(authenticated=actor, import_limits=ImportLimits(1, 1, 1))
    result = await schema.execute(query, variable_values={"no": False}, context_value=context)
    # Unexpected errors carry a new id each time: compare their codes and paths.
    return {"data": result.data,
            "errors": sorted(f"{(e.extensions or {}).get('code', e.message)} {e.path}"
                             for e in result.errors or [])}


async def seed(org: Org) -> None:
    made = await org.mutate(
        'mutation { customerCreate(input: {name: "Acme", email: "a@example.com", '
        'siteAddress: {line1: "1 High St", suburb: "Dalby", postcode: "4405"}}) '
        "{ customer { id } userErrors { code } } }")
    acme = made["customer"]["id"]
    await org.mutate('mutation($c: ID!) { siteCreate(customerId: $c, input: {name: "Depot", '
                     'address: {line1: "2 Main Rd", postcode: "4000"}}) { site { id } '
                     "userErrors { code } } }", {"c": acme})
    await org.mutate('mutation($c: ID!) { equipmentCreate(customerId: $c, input: '
                     '{name: "Boiler", make: "Rheem"}) { equipment { id } '
                     "userErrors { code } } }", {"c": acme})
    await org.mutate('mutation($c: ID!) { contactCreate(customerId: $c, input: '
                     '{firstName: "Ann", isPrimary: true}) { contact { id } '
                     "userErrors { code } } }", {"c": acme})
    await org.mutate('mutation($c: ID!) { customerCreate(input: {name: "Tenant", '
                     'billing: {billingCustomerId: $c, careOfName: "C/O Acme"}}) '
                     "{ customer { id } userErrors { code } } }", {"c": acme})


async def test_shortcuts_answer_as_graphql_core_does(org: Org) -> None:
    await seed(org)
    for query in QUERIES:
        fast = await run(FAST, org, query)
        assert fast["errors"] == [], fast
        assert fast == await run(PLAIN, org, query)


async def test_a_stored_value_the_schema_cannot_answer_errs_as_graphql_core_does(
        org: Org) -> None:
    await seed(org)
    organization = await Organization.find_one({"slug": org.slug})
    assert organization is not None
    # Written around the service: a site without a name, a non-null field.
    await Customer.get_pymongo_collection().insert_one({
        "org_id": organization.id, "name": "Broken", "name_key": "broken", "archived": False,
        "sites": [{"_id": PydanticObjectId(), "name": None}]})
    query = "{ customers { nodes { name sites { id name } } } }"
    fast = await run(FAST, org, query)
    assert fast["errors"], fast
    assert fast == await run(PLAIN, org, query)

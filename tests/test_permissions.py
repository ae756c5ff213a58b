"""Each role may do what the README says, and a forbidden operation yields no data."""

import pytest

from documents.api_key import Role
from tests.conftest import Org
from tests.queries import CUSTOMER_CREATE, SITE_CREATE

READS = [
    "{ customers { totalCount } }",
    "{ sites { totalCount } }",
    '{ customerByName(name: "ABC") { id } }',
    "{ customerTypes { id } }",
    "{ users { id } }",
]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OFFICE, Role.FIELD])
async def test_staff_roles_read_customers(org: Org, role: Role) -> None:
    await org.mutate(CUSTOMER_CREATE, {"input": {"name": "ABC"}})
    for query in READS:
        data = await org.gql(query, role=role)
        assert data
    found = await org.gql('{ customerByName(name: "abc") { name } }', role=role)
    assert found == {"customerByName": {"name": "ABC"}}


async def test_partner_cannot_read_customers(org: Org) -> None:
    await org.mutate(CUSTOMER_CREATE, {"input": {"name": "ABC"}})
    for query in READS:
        body = await org.post(query, role=Role.PARTNER)
        assert not any((body["data"] or {}).values()), body
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Settings carry no customer data: every role may read the label.
    assert await org.gql("{ settings { customerLabel } }", role=Role.PARTNER)


@pytest.mark.parametrize("role", [Role.FIELD, Role.PARTNER])
async def test_field_and_partner_cannot_change_customers(org: Org, role: Role) -> None:
    created = await org.mutate(CUSTOMER_CREATE, {"input": {"name": "ABC"}})
    customer_id = created["customer"]["id"]
    errors = await org.user_errors(CUSTOMER_CREATE, {"input": {"name": "New"}}, role=role)
    # The message says which permission is needed, and which roles have it.
    assert errors == [{"code": "FORBIDDEN", "message": f"Your API key's role ({role.value}) "
                       "may not do this: changing customers, sites, contacts and equipment "
                       "needs the admin or office role.", "field": []}]
    errors = await org.user_errors(
        SITE_CREATE, {"customerId": customer_id, "input": {"name": "S"}}, role=role
    )
    assert errors[0]["code"] == "FORBIDDEN"
    errors = await org.user_errors(
        'mutation { leadSourceCreate(name: "Radio") { leadSource { id } userErrors { code } } }',
        role=role,
    )
    assert errors == [{"code": "FORBIDDEN"}]
    data = await org.gql("{ customers { totalCount } leadSources { id } }")
    assert data == {"customers": {"totalCount": 1}, "leadSources": []}
    data = await org.gql("{ sites { totalCount } }")
    assert data == {"sites": {"totalCount": 0}}


def test_every_permission_has_words_for_forbidden() -> None:
    from documents.api_key import Role
    from resolvers.actor import GRANTS, Permission, forbidden_message

    for permission in Permission:  # a new permission needs its words, and a role that has it
        assert "needs the" in forbidden_message(Role.PARTNER, permission)
        assert any(permission in GRANTS[role] for role in Role)

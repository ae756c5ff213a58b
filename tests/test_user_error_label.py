"""Mutations' userErrors speak the organization's word for customers, as imports do;
names quoted from the data keep theirs.
"""

from documents.api_key import Role
from tests.conftest import Org

CREATE = """mutation($name: String!) { customerCreate(input: {name: $name}) {
  customer { id } userErrors { code message field } } }"""
SITE = """mutation($id: ID!) { siteCreate(customerId: $id, input: {name: "Depot"}) {
  site { id } userErrors { code message field } } }"""


async def use_word(org: Org, word: str) -> None:
    await org.mutate(f'mutation {{ settingsUpdate(input: {{customerLabel: "{word}"}}) '
                     "{ settings { customerLabel } userErrors { code } } }", role=Role.ADMIN)


async def test_user_errors_use_the_organizations_word(org: Org) -> None:
    await use_word(org, "Client")
    await org.mutate(CREATE, {"name": "Customer Care Ltd"})
    (duplicate,) = await org.user_errors(CREATE, {"name": "customer care ltd"})
    assert duplicate["code"] == "DUPLICATE"
    assert duplicate["message"] == "A client named 'customer care ltd' already exists."
    (missing,) = await org.user_errors(SITE, {"id": "Q3VzdG9tZXI6MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAx"})
    assert missing["code"] == "NOT_FOUND"
    assert "Client" in missing["message"]
    assert "ustomer" not in missing["message"]


async def test_the_registry_word_is_left_as_it_is(org: Org) -> None:
    await org.mutate(CREATE, {"name": "Acme"})
    (duplicate,) = await org.user_errors(CREATE, {"name": "ACME"})
    assert duplicate["message"] == "A customer named 'ACME' already exists."

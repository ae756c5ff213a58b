"""The suite-wide command listener (tests/tenant_filters.py) catches what it
is there for: service code sending a command on a tenant collection without
`org_id`. The probe is compiled under a file name in `documents/`, so the
listener takes it for service code, as it would a real mistake there.
"""

from typing import Any

from documents.customer import Customer
from tests.conftest import TENANT_FILTERS
from tests.tenant_filters import ROOT

PROBE = '''
async def probe(collection, query):
    return await collection.find_one(query)
'''


def service_code(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    code = compile(source, str(ROOT / "documents" / "_probe.py"), "exec")
    exec(code, namespace)  # noqa: S102 -- our own probe, under a service file's name
    return namespace


async def test_a_service_command_without_org_id_is_reported() -> None:
    probe = service_code(PROBE)["probe"]
    collection = Customer.get_pymongo_collection()
    TENANT_FILTERS.take()
    await probe(collection, {"name_key": "acme"})
    (violation,) = TENANT_FILTERS.take()
    assert violation.startswith("find on customers from probe (documents/_probe.py)")
    await probe(collection, {"org_id": None, "name_key": "acme"})
    assert TENANT_FILTERS.take() == []


async def test_an_aggregation_must_match_org_id_first() -> None:
    run = service_code('''
async def run(collection, pipeline):
    return await (await collection.aggregate(pipeline)).to_list()
''')["run"]
    collection = Customer.get_pymongo_collection()
    TENANT_FILTERS.take()
    await run(collection, [{"$match": {"name_key": "a"}}, {"$match": {"org_id": None}}])
    (violation,) = TENANT_FILTERS.take()
    assert "first $match lacks org_id" in violation
    await run(collection, [{"$match": {"org_id": None}}, {"$match": {"name_key": "a"}}])
    assert TENANT_FILTERS.take() == []

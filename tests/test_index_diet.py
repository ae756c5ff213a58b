"""The index diet on existing databases: indexes the documents no longer
declare are dropped on startup, and those they declare are left alone.
"""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from beanie import init_beanie
from pymongo import ASCENDING, IndexModel
from starlette.applications import Starlette

from app.database import Database
from app.settings import Settings
from documents import ALL_DOCUMENTS
from documents.customer import Customer
from documents.organization import Organization
from documents.text import search_prefixes
from resolvers.search_index import FORMER_INDEX
from tests.conftest import COMMAND_LOG, Org

# Declared before the diet; no read needs it since point filters put _id first.
OLD_CUSTOMER_INDEX = IndexModel([("org_id", ASCENDING), ("_id", ASCENDING),
                                 ("version", ASCENDING)])


@pytest.fixture(autouse=True)
async def _documents_back_on_the_app(app: Starlette) -> AsyncIterator[None]:
    """Each Database.open() binds the documents to its client: give them back."""
    yield
    await init_beanie(database=app.state.database.db, document_models=ALL_DOCUMENTS)


async def _indexes(database: Database, name: str) -> dict[str, Any]:
    return dict(await database.db[name].index_information())


async def test_an_index_the_model_dropped_is_dropped_on_startup(settings: Settings) -> None:
    database = Database(settings)
    await database.open()
    try:
        customers = database.db["customers"]
        [old] = await customers.create_indexes([OLD_CUSTOMER_INDEX])
        assert old in await _indexes(database, "customers")
        await database.close()
        await database.open()
        after = await _indexes(database, "customers")
        assert old not in after
        declared = {tuple(model.document["key"].items()) for model in Customer.Settings.indexes}
        assert declared <= {tuple(info["key"]) for info in after.values()}
    finally:
        await database.close()


async def test_a_second_startup_drops_and_creates_nothing(settings: Settings) -> None:
    database = Database(settings)
    await database.open()
    await database.close()
    before = {d.get_collection_name(): await _indexes_of(settings, d.get_collection_name())
              for d in ALL_DOCUMENTS}
    COMMAND_LOG.commands.clear()
    await database.open()
    await database.close()
    sent = [name for name, _ in COMMAND_LOG.commands]
    assert "dropIndexes" not in sent
    after = {d.get_collection_name(): await _indexes_of(settings, d.get_collection_name())
             for d in ALL_DOCUMENTS}
    assert after == before


async def _indexes_of(settings: Settings, name: str) -> dict[str, Any]:
    database = Database(settings)
    await database.open()
    try:
        return await _indexes(database, name)
    finally:
        await database.close()


async def test_the_first_start_after_search_prefixes_makes_old_customers_searchable(
        settings: Settings, org: Org) -> None:
    """A database from before `search_prefixes` (its former search index still
    there): opening it fills the prefixes, so no customer drops out of search.
    """
    database = Database(settings)
    await database.open()
    try:
        found = await Organization.find_one({"slug": org.slug})
        assert found is not None
        assert found.id is not None
        customers = database.db["customers"]
        await customers.insert_one({"org_id": found.id, "name": "Old Timer",
                                    "name_key": "old timer", "search_tokens": ["old", "timer"]})
        await customers.create_indexes([IndexModel([("org_id", ASCENDING),
                                                    ("search_tokens", ASCENDING)])])
        await database.close()
        await database.open()
        stored = await database.db["customers"].find_one({"org_id": found.id,
                                                          "name_key": "old timer"})
        assert stored is not None
        assert stored["search_prefixes"] == search_prefixes(["old", "timer"])
        assert FORMER_INDEX not in await _indexes(database, "customers")
    finally:
        await database.close()

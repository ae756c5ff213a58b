"""Connecting to MongoDB (or the embedded SecantusDB) and initialising Beanie."""

import logging
from typing import Any

from beanie import init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from app.embedded import EmbeddedServer
from app.settings import Settings
from documents import ALL_DOCUMENTS

log = logging.getLogger(__name__)


class Database:
    """The one client of a process, and the embedded server it may have started."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedded: EmbeddedServer | None = None
        self.client: AsyncMongoClient[dict[str, Any]] | None = None

    @property
    def is_embedded(self) -> bool:
        return self.embedded is not None

    @property
    def db(self) -> AsyncDatabase[dict[str, Any]]:
        assert self.client is not None, "Database.open() first"
        return self.client[self.settings.database_name]

    async def open(self) -> None:
        uri = self.settings.mongodb_uri
        if uri is None:
            self.embedded = EmbeddedServer(self.settings.data_dir)
            # Started from the main thread on purpose: the server's parent-death
            # signal fires when the *thread* that started it exits.
            uri = self.embedded.start(self.settings.embedded_start_timeout)
        self.client = AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=5000)
        await init_beanie(database=self.db, document_models=ALL_DOCUMENTS)

    async def ready(self) -> bool:
        if self.client is None:
            return False
        try:
            await self.client.admin.command("ping")
        except PyMongoError:
            return False
        return True

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()
            self.client = None
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None

"""Connecting to MongoDB (or the embedded SecantusDB) and initialising Beanie."""

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable
from typing import Any

from beanie import init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from app.embedded import EmbeddedServer
from app.settings import Settings
from documents import ALL_DOCUMENTS
from documents.base import drop_undeclared_id_indexes
from resolvers.search_index import FORMER_INDEX, reindex_orgs

log = logging.getLogger(__name__)

# Seconds between looks at the embedded server, and the backoff between restarts.
WATCH_EVERY = 0.25
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0


class Database:
    """The one client of a process, and the embedded server it may have started."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedded: EmbeddedServer | None = None
        self.client: AsyncMongoClient[dict[str, Any]] | None = None
        # Set while the embedded server is known to be down (dead, or restarting).
        self.down = False
        # Told whenever `down` changes (a supervisor passes it on to its service processes).
        self.listeners: list[Callable[[bool], None]] = []
        # One of `sitebook serve --workers N`'s processes: the pipe its supervisor
        # writes the database's state to (see follow()).
        self.control_fd: int | None = None

    def follow(self, control_fd: int) -> None:
        """Run as one of several service processes under a supervisor (app.supervisor),
        which started the database, created the indexes and watches the server: this
        process only connects, and learns from `control_fd` when the database goes
        down (b"D") and comes back (b"U"). The pipe's end (the supervisor is gone)
        stops this process.
        """
        self.control_fd = control_fd

    def _set_down(self, down: bool) -> None:
        if down != self.down:
            self.down = down
            for listener in self.listeners:
                listener(down)

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
        # A supervised process leaves the indexes to its supervisor, which made
        # them once before starting its processes (N processes must not race on
        # them). Indexes the documents no longer declare are dropped (each costs
        # every write); those they declare are created when missing.
        supervised = self.control_fd is not None
        indexes = {} if supervised else await self.db["customers"].index_information()
        upgrading = FORMER_INDEX in indexes
        await init_beanie(database=self.db, document_models=ALL_DOCUMENTS,
                          skip_indexes=supervised, allow_index_dropping=not supervised)
        if not supervised:
            for name in await drop_undeclared_id_indexes(ALL_DOCUMENTS, self.db):
                log.info("dropped index %s: no read needs it any more", name)
        if upgrading:  # customers stored before search_prefixes: searchable again
            for slug, changed in (await reindex_orgs()).items():
                log.info("%s: %d customers indexed for search", slug, changed)

    async def watch(self) -> None:
        """Restart the embedded server whenever it dies, on the same port and data,
        with a doubling backoff between failed attempts; runs until cancelled.
        Clients reconnect by themselves once it answers again.
        """
        if self.control_fd is not None:
            await self._follow_supervisor(self.control_fd)
            return
        embedded = self.embedded
        if embedded is None or not embedded.owned:
            return  # another process runs the server, and watches it
        backoff = FIRST_BACKOFF
        while True:
            await asyncio.sleep(WATCH_EVERY)
            if embedded.process is not None and embedded.exited is None:
                continue
            self._set_down(True)
            log.error("the embedded database has stopped (exit code %s); restarting it",
                      embedded.exited)
            try:
                embedded.respawn()  # here, on the thread that started the first one
                await asyncio.to_thread(embedded.wait_until_ready,
                                        self.settings.embedded_start_timeout)
            except (RuntimeError, OSError) as exc:
                log.error("restarting the embedded database failed (%s); trying again in "
                          "%.1f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(2 * backoff, MAX_BACKOFF)
                continue
            assert embedded.process is not None
            log.warning("the embedded database is back (pid %s)", embedded.process.pid)
            self._set_down(False)
            backoff = FIRST_BACKOFF

    async def _follow_supervisor(self, control_fd: int) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        pipe = os.fdopen(control_fd, "rb", buffering=0)
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), pipe)
        try:
            while state := await reader.read(64):
                down = state[-1:] == b"D"  # only the latest state matters
                if down != self.down:
                    log.warning("service process %d: the database is %s", os.getpid(),
                                "down; answering 503 until it is back" if down else "back")
                self._set_down(down)
        finally:
            transport.close()
        # The supervisor has exited (even by SIGKILL): stop as uvicorn stops on
        # SIGTERM, finishing the requests under way, rather than serve alone.
        log.error("the supervisor has gone; stopping this service process")
        with contextlib.suppress(ProcessLookupError):
            os.kill(os.getpid(), signal.SIGTERM)

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

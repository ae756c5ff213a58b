"""A fresh embedded SecantusDB for one benchmark run, and waiting for the service."""

import asyncio
import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx

from app.embedded import EmbeddedServer


@contextlib.contextmanager
def embedded_database() -> Iterator[str]:
    """The URI of a server that is stopped, and its files deleted, afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedServer(Path(tmp))
        uri = server.start()
        try:
            yield uri
        finally:
            server.stop()


async def until_ready(http: httpx.AsyncClient) -> None:
    """Wait (up to about 30 s) until the service at `http`'s base URL is ready."""
    for _ in range(300):
        try:
            if (await http.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)

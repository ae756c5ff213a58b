"""A fresh embedded SecantusDB for one benchmark run, and waiting for the service."""

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx

from app.embedded import EmbeddedServer


@contextlib.contextmanager
def embedded_database() -> Iterator[str]:
    """The URI of a server that is stopped, and its files deleted, afterwards."""
    with embedded_server() as server:
        assert server.uri is not None
        yield server.uri


@contextlib.contextmanager
def embedded_server() -> Iterator[EmbeddedServer]:
    """A started server (its `uri`, its `process` to read its CPU time), stopped
    and its files deleted afterwards.
    """
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedServer(Path(tmp))
        server.start()
        try:
            yield server
        finally:
            server.stop()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def until_ready(http: httpx.AsyncClient) -> None:
    """Wait (up to about 30 s) until the service at `http`'s base URL is ready."""
    for _ in range(300):
        try:
            if (await http.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)

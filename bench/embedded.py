"""A fresh embedded SecantusDB in a temporary directory, for one benchmark run."""

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

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

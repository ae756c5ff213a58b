"""The embedded SecantusDB server, run as a child process.

SecantusDB is GPL-licensed: it is only ever started as a separate process,
never imported. While a server runs, its URI is in `<data>/db.uri`, so other
sitebook commands reuse it instead of opening the same files twice.
"""

import contextlib
import ctypes
import fcntl
import logging
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from pymongo import MongoClient
from pymongo.errors import PyMongoError

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Linux: the server gets SIGTERM if its parent dies, even by SIGKILL,
    # so a crashed service never leaves an orphan holding the data files.
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answers_hello(uri: str, timeout_ms: int = 1000) -> bool:
    client: MongoClient[dict[str, object]] = MongoClient(
        uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms
    )
    try:
        client.admin.command("hello")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class EmbeddedServer:
    """Starts SecantusDB under `data_dir`, or reuses the one already running there."""

    def __init__(self, data_dir: Path, *, extra_args: tuple[str, ...] = ()) -> None:
        self.data_dir = data_dir
        self.extra_args = extra_args
        self.uri_file = data_dir / "db.uri"
        self.process: subprocess.Popen[bytes] | None = None
        self.uri: str | None = None

    @property
    def owned(self) -> bool:
        """True when this object started the server (and so must stop it)."""
        return self.process is not None

    def start(self, timeout: float = 60.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with _locked(self.data_dir / "db.lock"):
            if self.uri_file.exists():
                uri = self.uri_file.read_text().strip()
                if answers_hello(uri):
                    log.info("reusing the embedded database at %s", uri)
                    self.uri = uri
                    return uri
                self.uri_file.unlink()  # left by a server that did not stop cleanly
            uri = self._spawn(free_port())
            self.wait_until_ready(timeout)
            self.uri_file.write_text(uri + "\n")
            assert self.process is not None
            log.info("started the embedded database at %s (pid %s)", uri, self.process.pid)
            return uri

    def _spawn(self, port: int) -> str:
        uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
        log_file = (self.data_dir / "db.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [
                sys.executable, "-m", "secantus",
                "--host", "127.0.0.1", "--port", str(port),
                "--storage-path", str(self.data_dir / "db"),
                "--log-level", "WARNING",
                *self.extra_args,
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        log_file.close()
        self.uri = uri
        return uri

    @property
    def exited(self) -> int | None:
        """The exit code of the server this object started, once it has exited."""
        return None if self.process is None else self.process.poll()

    def respawn(self) -> None:
        """Start the server again, on the same port (so clients reconnect by
        themselves) and the same data, after it died. Call it from the thread that
        started the first one (see _die_with_parent), then wait_until_ready().
        """
        assert self.uri is not None
        port = urlsplit(self.uri).port
        assert port is not None
        self._spawn(port)

    def wait_until_ready(self, timeout: float) -> None:
        assert self.process is not None
        assert self.uri is not None
        uri = self.uri
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the embedded database exited with code {self.process.returncode}; "
                    f"see {self.data_dir / 'db.log'}"
                )
            if answers_hello(uri, timeout_ms=500):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the embedded database did not answer within {timeout:.0f}s")

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None:
            return
        process, self.process = self.process, None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.uri_file.exists() and self.uri_file.read_text().strip() == self.uri:
            self.uri_file.unlink()
        log.info("stopped the embedded database")

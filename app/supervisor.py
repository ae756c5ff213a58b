"""`sitebook serve --workers N`: one supervisor, one database, N service processes.

The supervisor opens the database once (starting the embedded server when
MONGODB_URI is unset), creates the indexes and the demo organization, checks
that the port is free, then starts N service processes (app.service_process)
on it, all connected to that one database. It replaces a service process that
dies, restarts the embedded server as `sitebook serve` does, and tells every
service process through its own pipe when the database goes down and comes
back, so each answers 503 meanwhile. Everything it starts gets SIGTERM when it
exits, even by SIGKILL (PR_SET_PDEATHSIG), so nothing is orphaned.

Each process gets its own socket on the port (SO_REUSEPORT), bound here and
handed over; it listens once its app has started (uvicorn listens after the
lifespan), so no connection waits for a process still starting, and the kernel
spreads connections over the processes that listen. One shared socket spreads
them badly: asyncio accepts every waiting connection at each wake-up, so the
first process awake took 7 or 8 of a client's 8 keep-alive connections
(measured), and the others idled. The price: a process that dies resets the
connections still waiting in its own queue; new ones go to the others as soon
as it has exited.
"""

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

from app.bootstrap import ensure_demo_org
from app.database import Database
from app.embedded import _die_with_parent
from app.settings import Settings

log = logging.getLogger(__name__)

# Seconds between looks at the service processes.
WATCH_EVERY = 0.25
# A process that dies younger than this is failing at start: wait before the next.
SHORT_LIFE = 10.0
FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0
# How long stopping processes may take (uvicorn finishes the requests under way).
STOP_TIMEOUT = 30.0


@dataclass
class _Slot:
    """One of the N places a service process runs in."""

    number: int
    process: subprocess.Popen[bytes] | None = None
    control: int | None = None  # the write end of its pipe
    started: float = 0.0
    backoff: float = FIRST_BACKOFF
    not_before: float = 0.0


@dataclass
class ServiceProcesses:
    """N service processes on host:port, kept running until stop()."""

    host: str
    port: int
    count: int
    uri: str
    down: bool = False
    slots: list[_Slot] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.slots = [_Slot(n) for n in range(self.count)]

    def tell(self, down: bool) -> None:
        """The database went down (or came back): pass it on to every process."""
        self.down = down
        for slot in self.slots:
            self._send(slot, b"D" if down else b"U")

    def _send(self, slot: _Slot, state: bytes) -> None:
        if slot.control is None:
            return
        # A process that has died (or stopped reading) is replaced by keep_running().
        with contextlib.suppress(OSError):
            os.write(slot.control, state)

    def _start(self, slot: _Slot) -> None:
        listener = bound(self.host, self.port)
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)  # never wait for a process that does not read
        env = {**os.environ, "MONGODB_URI": self.uri}
        try:
            slot.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [sys.executable, "-m", "app.service_process",
                 "--socket-fd", str(listener.fileno()), "--control-fd", str(read_end)],
                env=env,
                pass_fds=(listener.fileno(), read_end),
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        except BaseException:
            os.close(write_end)
            raise
        finally:
            # The process holds the only copy: when it exits, the kernel stops
            # sending it connections at once.
            listener.close()
            os.close(read_end)
        slot.control = write_end
        slot.started = time.monotonic()
        log.info("started service process %d (pid %s)", slot.number, slot.process.pid)
        if self.down:
            self._send(slot, b"D")

    def _forget(self, slot: _Slot) -> None:
        if slot.control is not None:
            os.close(slot.control)
        slot.control = None
        slot.process = None

    def keep_running(self) -> None:
        """Start the missing processes; replace those that have exited."""
        now = time.monotonic()
        for slot in self.slots:
            if slot.process is not None:
                code = slot.process.poll()
                if code is None:
                    continue
                lived = now - slot.started
                if lived < SHORT_LIFE:
                    slot.not_before = now + slot.backoff
                    slot.backoff = min(2 * slot.backoff, MAX_BACKOFF)
                else:
                    slot.backoff = FIRST_BACKOFF
                log.error("service process %d (pid %s) exited with code %s after %.1f s; "
                          "starting another%s", slot.number, slot.process.pid, code, lived,
                          f" in {slot.not_before - now:.1f} s" if slot.not_before > now else "")
                self._forget(slot)
            if now >= slot.not_before:
                try:
                    self._start(slot)
                except OSError as exc:  # e.g. out of memory or processes: try again later
                    log.error("starting service process %d failed (%s); trying again in "
                              "%.1f s", slot.number, exc, slot.backoff)
                    slot.not_before = now + slot.backoff
                    slot.backoff = min(2 * slot.backoff, MAX_BACKOFF)

    async def stop(self) -> None:
        """SIGTERM to every process; SIGKILL to those still running after STOP_TIMEOUT."""
        running = [slot for slot in self.slots if slot.process is not None]
        for slot in running:
            assert slot.process is not None
            with contextlib.suppress(ProcessLookupError):
                slot.process.send_signal(signal.SIGTERM)

        async def stopped(process: subprocess.Popen[bytes]) -> None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(process.wait, STOP_TIMEOUT)

        await asyncio.gather(*(stopped(slot.process) for slot in running if slot.process))
        for slot in running:
            assert slot.process is not None
            if slot.process.poll() is None:
                log.error("service process %d (pid %s) did not stop; killing it",
                          slot.number, slot.process.pid)
                slot.process.kill()
                slot.process.wait()
            self._forget(slot)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def bound(host: str, port: int) -> socket.socket:
    """A socket bound to host:port with SO_REUSEPORT, not listening yet."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


async def supervise(settings: Settings, host: str, port: int, count: int) -> None:
    """Run `count` service processes on host:port until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    database = Database(settings)
    # Here, in the main thread, before any process starts: the embedded server (its
    # parent-death signal follows this thread), the indexes and the demo organization
    # are each made once, whatever the number of processes.
    await database.open()
    try:
        if database.is_embedded:
            await ensure_demo_org(settings)
        uri = settings.mongodb_uri or (database.embedded.uri if database.embedded else None)
        assert uri is not None
        # The port must be free, not shared with another service's SO_REUSEPORT
        # sockets (as it would be by a second `serve --workers` on it): an error here.
        socket.create_server((host, port), family=_family(host)).close()
        processes = ServiceProcesses(host, port, count, uri)
        database.listeners.append(processes.tell)
        watch = asyncio.create_task(database.watch())
        log.info("serving http://%s:%d with %d service processes", host, port, count)
        try:
            while not stop.is_set():
                processes.keep_running()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), WATCH_EVERY)
        finally:
            log.info("stopping %d service processes", count)
            await processes.stop()
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
    finally:
        await database.close()

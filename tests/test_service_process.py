"""`sitebook serve` and the CLI as real processes, with the embedded database."""

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

SITEBOOK = str(Path(sys.executable).parent / "sitebook")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "SITEBOOK_"))}
    env["SITEBOOK_DATA_DIR"] = str(data_dir)
    return env


def children(pid: int) -> list[int]:
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # A zombie has exited; only its parent has not collected it yet.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _stop_leftover_services() -> Iterator[None]:
    """A failed assertion must not leave a service (and its database) running."""
    yield
    while STARTED:
        service = STARTED.pop()
        if service.poll() is None:
            service.terminate()
            service.communicate(timeout=30)


def start_service(data_dir: Path, port: int) -> subprocess.Popen[str]:
    service = subprocess.Popen(
        [SITEBOOK, "serve", "--port", str(port)],
        env=environment(data_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    STARTED.append(service)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert service.poll() is None, service.communicate()[0]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return service
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    service.kill()
    pytest.fail("the service did not become ready")


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SITEBOOK, *args], env=environment(data_dir), capture_output=True, text=True,
        timeout=120, check=False,
    )


def ask(port: int, key: str, query: str) -> httpx.Response:
    return httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": query},
                      headers={"Authorization": f"Bearer {key}"}, timeout=10)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_bootstraps_demo_reuses_database_and_stops_cleanly(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    port = free_port()
    service = start_service(tmp_path, port)
    key_file = tmp_path / "demo-api-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    demo_key = key_file.read_text().strip()
    assert demo_key.startswith("sbk_")
    uri = (tmp_path / "db.uri").read_text().strip()
    assert uri.startswith("mongodb://127.0.0.1:")
    (database_pid,) = children(service.pid)
    assert alive(database_pid)

    created = ask(port, demo_key, 'mutation { customerCreate(input: {name: "ABC"}) '
                                  "{ customer { name } userErrors { code } } }")
    assert created.json() == {"data": {"customerCreate": {"customer": {"name": "ABC"},
                                                          "userErrors": []}}}
    # The CLI reuses the running server (it holds the data files) and prints only the key.
    made = cli(tmp_path, "apikey", "create", "--org", "demo", "--role", "field")
    assert made.returncode == 0, made.stderr
    field_key = made.stdout.strip()
    assert made.stdout == field_key + "\n"
    assert field_key.startswith("sbk_")
    read = ask(port, field_key, "{ customers { edges { node { name } } } }")
    assert read.json() == {"data": {"customers": {"edges": [{"node": {"name": "ABC"}}]}}}
    assert cli(tmp_path, "org", "create", "beta", "--name", "Beta Ltd").returncode == 0
    again = cli(tmp_path, "org", "create", "beta")
    assert again.returncode == 1
    assert "already exists" in again.stderr

    service.send_signal(stop_signal)
    output, _ = service.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises the signal it was stopped by.
    assert service.returncode in (0, -stop_signal), output
    assert "stopped the embedded database" in output
    assert "demo-api-key" in output  # where the key is, said once at first start
    assert demo_key not in output
    assert field_key not in output
    assert not alive(database_pid)
    assert not (tmp_path / "db.uri").exists()

    # A second start keeps the data and creates no second demo key.
    service = start_service(tmp_path, port)
    try:
        read = ask(port, field_key, "{ customers { totalCount } }")
        assert read.json() == {"data": {"customers": {"totalCount": 1}}}
        assert key_file.read_text().strip() == demo_key
    finally:
        service.terminate()
        output, _ = service.communicate(timeout=30)
    assert "Created organization 'demo'" not in output


def test_cli_alone_starts_and_stops_its_own_database(tmp_path: Path) -> None:
    assert cli(tmp_path, "org", "create", "solo").returncode == 0
    made = cli(tmp_path, "apikey", "create", "--org", "solo", "--role", "admin")
    assert made.returncode == 0, made.stderr
    listed = cli(tmp_path, "apikey", "list", "--org", "solo")
    assert listed.stdout.startswith(made.stdout.strip()[:12])
    assert "\tadmin\tactive" in listed.stdout
    revoked = cli(tmp_path, "apikey", "revoke", "--org", "solo", made.stdout.strip()[:12])
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in cli(tmp_path, "apikey", "list", "--org", "solo").stdout.split("\t")[2]
    assert not (tmp_path / "db.uri").exists()
    missing = cli(tmp_path, "apikey", "create", "--org", "nobody", "--role", "admin")
    assert missing.returncode == 1
    assert missing.stdout == ""


def test_killed_service_takes_its_database_along_and_restarts(tmp_path: Path) -> None:
    port = free_port()
    service = start_service(tmp_path, port)
    (database_pid,) = children(service.pid)
    service.kill()  # SIGKILL: no shutdown code runs
    service.communicate(timeout=10)
    deadline = time.monotonic() + 20
    while alive(database_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(database_pid), "the embedded database outlived its service"
    assert (tmp_path / "db.uri").exists()  # left behind, as after any crash
    service = start_service(tmp_path, port)  # sees the stale URI, starts afresh
    try:
        key = (tmp_path / "demo-api-key").read_text().strip()
        assert ask(port, key, "{ customers { totalCount } }").json() == {
            "data": {"customers": {"totalCount": 0}}}
    finally:
        service.terminate()
        service.communicate(timeout=30)

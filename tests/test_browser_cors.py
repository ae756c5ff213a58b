"""Browser apps on another origin: a real headless Chromium page, served from
one origin, calls the API on another (JSON, a multipart upload with the CSRF
preflight header, and a websocket subscription handshake), and a page on an
origin SITEBOOK_CORS_ORIGINS does not name can do none of it.

Chromium is driven over the Chrome DevTools protocol (a websocket), so nothing
but the browser itself is needed; `.ci/run` installs Debian's `chromium`.
"""

import asyncio
import contextlib
import json
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from app.asgi import create_app
from app.settings import Settings
from documents.api_key import Role
from tests.conftest import Org
from tests.test_service_process import free_port

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """`app` on a real socket of its own, on this event loop."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        assert not task.done(), "the server stopped at start"
        await asyncio.sleep(0.05)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def page_app() -> Starlette:
    async def page(_: Request) -> HTMLResponse:
        return HTMLResponse("<!doctype html><title>partner app</title><p>app</p>")
    return Starlette(routes=[Route("/", page)])


@pytest.fixture
async def two_origins(settings: Settings, app: Starlette) -> AsyncIterator[tuple[str, str, str]]:
    """(API host, allowed page host, other page host), each its own origin."""
    async with serving(page_app()) as allowed, serving(page_app()) as other:
        api = create_app(settings.model_copy(update={"cors_origins": f"http://{allowed}"}))
        async with serving(api) as api_host:
            yield api_host, allowed, other


async def test_websocket_origins_follow_the_cors_list(
        two_origins: tuple[str, str, str], org: Org) -> None:
    api, allowed, other = two_origins
    init = {"type": "connection_init",
            "payload": {"Authorization": f"Bearer {org.keys[Role.OFFICE]}"}}
    async with websockets.connect(f"ws://{api}/graphql", origin=f"http://{allowed}",  # type: ignore[arg-type]
                                  subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps(init))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(f"ws://{api}/graphql", origin=f"http://{other}",  # type: ignore[arg-type]
                                      subprotocols=["graphql-transport-ws"]):  # type: ignore[list-item]
            pass
    assert refused.value.response.status_code == 403


def browser() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture
def devtools(tmp_path: Path) -> Iterator[str]:
    """A headless Chromium with a fresh profile; its DevTools address."""
    executable = browser()
    if executable is None:
        pytest.skip("No Chromium is installed (looked for " + ", ".join(BROWSERS) + "): "
                    "`apt-get install chromium` (which .ci/run does) to run this browser test.")
    port = free_port()
    process = subprocess.Popen(
        [executable, *BROWSER_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
         f"--remote-debugging-port={port}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "Chromium exited at start"
            try:
                httpx.get(f"http://127.0.0.1:{port}/json/version", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "Chromium's DevTools did not answer"
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def run_in_page(devtools: str, url: str, script: str) -> Any:
    """Open `url` in a new tab, wait for it to load, and run `script` (an async
    function's body) there; its JSON result.
    """
    async with httpx.AsyncClient() as client:
        target = (await client.put(f"http://{devtools}/json/new?{url}")).json()
    async with websockets.connect(target["webSocketDebuggerUrl"], max_size=None) as cdp:
        ids = iter(range(1, 1_000_000))

        async def evaluate(expression: str) -> Any:
            call_id = next(ids)
            await cdp.send(json.dumps({"id": call_id, "method": "Runtime.evaluate", "params": {
                "expression": expression, "awaitPromise": True, "returnByValue": True}}))
            while True:
                message = json.loads(await asyncio.wait_for(cdp.recv(), 60))
                if message.get("id") == call_id:
                    return message["result"]["result"].get("value")

        deadline = time.monotonic() + 30
        while await evaluate("document.readyState + ' ' + location.href") != f"complete {url}":
            assert time.monotonic() < deadline, "the page did not load"
            await asyncio.sleep(0.1)
        return json.loads(await evaluate(f"(async () => {{ {script} }})()"))


BROWSER_SCRIPT = """
const api = "http://%(api)s/graphql", key = "Bearer %(key)s", out = {};
try {
  const answer = await fetch(api, {method: "POST", body: JSON.stringify(
      {query: "{ settings { customerLabel } }"}),
    headers: {"Authorization": key, "Content-Type": "application/json"}});
  out.json = {status: answer.status, body: await answer.json()};
} catch (error) { out.json = String(error); }
try {
  const form = new FormData();
  form.append("operations", JSON.stringify({query: %(analyze)s,
    variables: {file: null, input: {entity: "CUSTOMERS"}}}));
  form.append("map", JSON.stringify({"0": ["variables.file"]}));
  form.append("0", new Blob(["Customer Name\\nBrowser Ltd\\n"], {type: "text/csv"}), "b.csv");
  const answer = await fetch(api, {method: "POST", body: form,
    headers: {"Authorization": key, "GraphQL-Require-Preflight": "1"}});
  out.upload = await answer.json();
} catch (error) { out.upload = String(error); }
out.websocket = await new Promise(resolve => {
  const socket = new WebSocket("ws://%(api)s/graphql", "graphql-transport-ws");
  socket.onopen = () => socket.send(JSON.stringify(
    {type: "connection_init", payload: {Authorization: key}}));
  socket.onmessage = event => { resolve(JSON.parse(event.data).type); socket.close(); };
  socket.onclose = event => resolve("closed " + event.code);
});
return JSON.stringify(out);
"""
ANALYZE = ("mutation($file: Upload!, $input: ImportAnalyzeInput!) { importAnalyze(file: $file, "
           "input: $input) { analysis { rowCount } userErrors { code } } }")


async def test_a_browser_page_on_a_named_origin_uses_the_api_and_others_cannot(
        two_origins: tuple[str, str, str], devtools: str, org: Org) -> None:
    api, allowed, other = two_origins
    script = BROWSER_SCRIPT % {"api": api, "key": org.keys[Role.OFFICE],
                               "analyze": json.dumps(ANALYZE)}
    granted = await run_in_page(devtools, f"http://{allowed}/", script)
    assert granted["json"] == {"status": 200,
                               "body": {"data": {"settings": {"customerLabel": "Customer"}}}}
    assert granted["upload"] == {"data": {"importAnalyze": {
        "analysis": {"rowCount": 1}, "userErrors": []}}}
    assert granted["websocket"] == "connection_ack"
    refused = await run_in_page(devtools, f"http://{other}/", script)
    # The browser hides the answer from a page the API does not name.
    assert refused["json"] == "TypeError: Failed to fetch"
    assert refused["upload"] == "TypeError: Failed to fetch"
    assert refused["websocket"] == "closed 1006"

"""importJobUpdated over graphql-transport-ws, on a real server socket."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
import websockets
from starlette.applications import Starlette

from documents.api_key import Role
from tests.conftest import Org
from tests.imports import csv_bytes, upload
from tests.test_service_process import free_port

SUBSCRIBE = """subscription($id: ID!) { importJobUpdated(id: $id) {
  status progress { processedRows totalRows } totals { created failed } } }"""


@pytest.fixture
async def server_url(app: Starlette) -> AsyncIterator[str]:
    port = free_port()
    # The session's app, already started: uvicorn only serves its sockets.
    server = uvicorn.Server(uvicorn.Config(app, port=port, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.05)
    yield f"ws://127.0.0.1:{port}/graphql"
    server.should_exit = True
    await task


async def events(url: str, job_id: str, init: dict[str, Any],
                 headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                                  additional_headers=headers or {}) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": SUBSCRIBE, "variables": {"id": job_id}}}))
        received = []
        while True:
            message = json.loads(await asyncio.wait_for(socket.recv(), 60))
            if message["type"] == "complete":
                return received
            assert message["type"] == "next", message
            received.append(message["payload"])


async def test_subscriber_sees_progress_and_the_end(org: Org, server_url: str) -> None:
    rows = [["Customer Name"], *[[f"Customer {n:04d}"] for n in range(2500)]]
    payload = await upload(org, csv_bytes(rows), "big.csv", entity="CUSTOMERS")
    job_id = payload["job"]["id"]
    received = await events(server_url, job_id,
                            {"Authorization": f"Bearer {org.keys[Role.OFFICE]}"})
    jobs = [event["data"]["importJobUpdated"] for event in received]
    assert jobs[-1]["status"] == "SUCCEEDED"
    assert jobs[-1]["totals"] == {"created": 2500, "failed": 0}
    assert jobs[-1]["progress"] == {"processedRows": 2500, "totalRows": 2500}
    processed = [job["progress"]["processedRows"] for job in jobs]
    assert processed == sorted(processed)
    assert len(set(processed)) >= 2  # at least one step before the end

    # The key may also come with the upgrade request; a finished job sends one event.
    again = await events(server_url, job_id, {},
                         headers={"Authorization": f"Bearer {org.keys[Role.PARTNER]}"})
    assert [e["data"]["importJobUpdated"]["status"] for e in again] == ["SUCCEEDED"]


async def test_subscription_needs_a_key(server_url: str) -> None:
    async with websockets.connect(server_url, subprotocols=["graphql-transport-ws"]  # type: ignore[list-item]
                                  ) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_messages_are_text_frames(org: Org, server_url: str) -> None:
    """graphql-ws clients (a browser's JSON.parse(event.data)) read text frames only."""
    async with websockets.connect(server_url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                                  ) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {
            "Authorization": f"Bearer {org.keys[Role.OFFICE]}"}}))
        ack = await asyncio.wait_for(socket.recv(), 60)
        assert isinstance(ack, str)
        assert json.loads(ack)["type"] == "connection_ack"

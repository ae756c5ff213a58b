"""Parsing a file never runs on the service's event loop: while importAnalyze,
importFile's checks or a worker's first pass read a file, /healthz answers.

A gate around the real reader holds the parse open until /healthz has been
answered (or a generous deadline passes). If the parse ran on the event loop,
the loop could not answer /healthz while the gate holds it, so the gate would
only be released by its deadline, and the test fails.
"""

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from importers import parts
from resolvers import imports
from tests.conftest import Org
from tests.imports import csv_bytes, finished, upload, xlsx_bytes
from tests.test_import_mapping import analyze

DEADLINE = 30.0


class Gate:
    """Wraps a reader: its first call waits until `answered` is set (or DEADLINE)."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.entered = threading.Event()
        self.answered = threading.Event()
        self.released_by_answer: bool | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.entered.is_set():
            self.entered.set()
            self.released_by_answer = self.answered.wait(DEADLINE)
        return self.real(*args, **kwargs)


async def healthz_while_held(org: Org, gate: Gate, request: asyncio.Task[Any]) -> Any:
    assert await asyncio.to_thread(gate.entered.wait, 120), "the reader was never called"
    response = await org.http.get("/healthz")
    assert response.status_code == 200
    gate.answered.set()
    result = await request
    assert gate.released_by_answer is True, "/healthz waited for the parse to end"
    return result


ROWS = [["Customer Name", "Email"], *[[f"Customer {n}", f"c{n}@example.com"]
                                      for n in range(200)]]


@pytest.mark.parametrize(("data", "name"), [(csv_bytes(ROWS), "c.csv"),
                                            (xlsx_bytes(ROWS), "c.xlsx")])
async def test_healthz_answers_while_import_analyze_parses(
        org: Org, monkeypatch: pytest.MonkeyPatch, data: bytes, name: str) -> None:
    gate = Gate(imports.open_rows)
    monkeypatch.setattr(imports, "open_rows", gate)
    request = asyncio.create_task(analyze(org, data, name, entity="CUSTOMERS"))
    payload = await healthz_while_held(org, gate, request)
    assert payload["userErrors"] == []
    assert payload["analysis"]["rowCount"] == 200


async def test_healthz_answers_while_import_file_checks(
        org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate(imports.open_rows)
    monkeypatch.setattr(imports, "open_rows", gate)
    request = asyncio.create_task(upload(org, xlsx_bytes(ROWS), "c.xlsx", entity="CUSTOMERS"))
    payload = await healthz_while_held(org, gate, request)
    assert payload["userErrors"] == []
    job = await finished(org, payload["job"]["id"])
    assert job["totals"]["created"] == 200


async def test_healthz_answers_during_the_workers_first_pass(
        org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    # The worker reads its rows through importers.parts (its first pass included).
    gate = Gate(parts.open_rows)
    monkeypatch.setattr(parts, "open_rows", gate)
    payload = await upload(org, csv_bytes(ROWS), "c.csv", entity="CUSTOMERS")
    assert payload["userErrors"] == []
    job_id = payload["job"]["id"]
    await healthz_while_held(org, gate, asyncio.create_task(finished(org, job_id, 120)))
    job = await finished(org, job_id)
    assert job["status"] == "SUCCEEDED"
    assert job["totals"]["created"] == 200

"""No upload makes `sitebook serve` itself grow by more than a bounded amount:
files are parsed in a reading child (importers/isolated.py), which streams rows
back in batches, so the service holds the upload's bytes and a batch.

The service runs as the real process it is, on its embedded database; its peak
RSS (VmHWM) is read from /proc before and after. The workbook is built so that
parsing it costs hundreds of MB (calamine holds its 4.5 million cells, at about
32 bytes each, plus Python's rows) while importing it costs the database
little: its cells hold empty text past its first rows. bench/memory_bench.py
imports a genuine 200,000-row workbook the same way.
"""

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import Workbook

from tests.test_service_process import free_port

SITEBOOK = str(Path(sys.executable).parent / "sitebook")
GROWTH_MB = 200
BLANK_ROWS = 300_000
COLUMNS = 15
REAL_ROWS = [(f"Customer {n}", f"c{n}@example.com") for n in range(1, 6)]
ANALYZE = """mutation($file: Upload!, $input: ImportAnalyzeInput!) {
  importAnalyze(file: $file, input: $input) {
    analysis { format headers rowCount } userErrors { code message } } }"""
IMPORT = """mutation($file: Upload!, $input: ImportFileInput!) {
  importFile(file: $file, input: $input) { job { id } userErrors { code message } } }"""
JOB = """query($id: ID!) { importJob(id: $id) {
  status failureReason totals { created failed } } }"""


def heavy_xlsx(blank_rows: int = BLANK_ROWS) -> bytes:
    """A header, REAL_ROWS, then `blank_rows` rows of COLUMNS cells holding
    empty text: a few MB that a workbook parser holds as millions of cells.
    """
    workbook = Workbook()
    buffer = io.BytesIO()
    workbook.save(buffer)
    out = io.BytesIO()
    letters = [chr(65 + c) for c in range(COLUMNS)]
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for entry in source.infolist():
            if entry.filename != "xl/worksheets/sheet1.xml":
                target.writestr(entry.filename, source.read(entry))
        with target.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                        b'2006/main"><sheetData>')
            rows = [("Customer Name", "Email"), *REAL_ROWS]
            for number, (name, email) in enumerate(rows, start=1):
                sheet.write(f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>{name}'
                            f'</t></is></c><c r="B{number}" t="inlineStr"><is><t>{email}</t>'
                            "</is></c></row>".encode())
            for number in range(len(rows) + 1, len(rows) + 1 + blank_rows):
                sheet.write((f'<row r="{number}">' + "".join(
                    f'<c r="{letter}{number}" t="str"><v></v></c>' for letter in letters)
                    + "</row>").encode())
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    (peak_kb,) = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(peak_kb) / 1024


class Service:
    def __init__(self, port: int, key: str, pid: int) -> None:
        self.port, self.key, self.pid = port, key, pid

    def send(self, query: str, data: bytes, name: str, **options: Any) -> dict[str, Any]:
        operations = {"query": query, "variables": {"file": None, "input": options}}
        response = httpx.post(
            f"http://127.0.0.1:{self.port}/graphql", timeout=1200,
            headers={"Authorization": f"Bearer {self.key}", "GraphQL-Require-Preflight": "1"},
            data={"operations": json.dumps(operations), "map": '{"0": ["variables.file"]}'},
            files={"0": (name, data, "application/octet-stream")})
        assert response.status_code == 200, response.text
        (payload,) = response.json()["data"].values()
        result: dict[str, Any] = payload
        return result

    def finished(self, job_id: str, seconds: float = 1200) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            response = httpx.post(
                f"http://127.0.0.1:{self.port}/graphql", timeout=60,
                headers={"Authorization": f"Bearer {self.key}"},
                json={"query": JOB, "variables": {"id": job_id}})
            job: dict[str, Any] = response.json()["data"]["importJob"]
            if job["status"] not in ("QUEUED", "RUNNING"):
                return job
            time.sleep(0.5)
        raise AssertionError(f"import {job_id} did not finish")


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "SITEBOOK_"))}
    env["SITEBOOK_DATA_DIR"] = str(tmp_path)
    port = free_port()
    process = subprocess.Popen([SITEBOOK, "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, "the service stopped"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("the service did not become ready")
        key = (tmp_path / "demo-api-key").read_text().strip()
        yield Service(port, key, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_importing_a_heavy_workbook_grows_the_service_by_a_bounded_amount(
        service: Service) -> None:
    data = heavy_xlsx()
    assert len(data) < 15 * 1024 * 1024
    # Warm up: everything an import loads, loaded, with a small workbook.
    small = heavy_xlsx(blank_rows=10)
    assert service.send(ANALYZE, small, "small.xlsx", entity="CUSTOMERS")["userErrors"] == []
    warm = service.send(IMPORT, small, "small.xlsx", entity="CUSTOMERS", dryRun=True)
    assert service.finished(warm["job"]["id"])["status"] == "SUCCEEDED"
    before = peak_rss_mb(service.pid)

    analysis = service.send(ANALYZE, data, "heavy.xlsx", entity="CUSTOMERS")
    assert analysis["userErrors"] == [], analysis
    assert analysis["analysis"]["rowCount"] == len(REAL_ROWS)
    started = service.send(IMPORT, data, "heavy.xlsx", entity="CUSTOMERS")
    assert started["userErrors"] == [], started
    job = service.finished(started["job"]["id"])
    assert job["status"] == "SUCCEEDED", job
    assert job["totals"]["created"] == len(REAL_ROWS)

    grown = peak_rss_mb(service.pid) - before
    print(f"the service grew by {grown:.0f} MB (from {before:.0f} MB)")  # seen with -s
    assert grown < GROWTH_MB, f"the service grew by {grown:.0f} MB"

"""Hostile files are refused with a clear reason, in bounded memory.

Each file is read as an import reads it, in a process of its own under an
address-space limit (parse_probe.py), which reports its peak RSS; the upload
path is then tried over real multipart HTTP for the refusals a user meets first.
"""

import json
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Org
from tests.imports import finished, upload
from tests.security import hostile_files as hostile

ROOT = Path(__file__).resolve().parent.parent.parent
ADDRESS_SPACE_MB = 1536
PEAK_RSS_MB = 512


def probe(tmp_path: Path, data: bytes) -> dict[str, Any]:
    path = tmp_path / "upload.csv"  # named .csv on purpose: the content decides
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-m", "tests.security.parse_probe", str(path),
                           str(ADDRESS_SPACE_MB)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr  # no crash, no MemoryError, no stray exception
    outcome: dict[str, Any] = json.loads(done.stdout)
    assert outcome["peak_rss_mb"] < PEAK_RSS_MB, outcome
    return outcome


REFUSED: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "zip bomb (declares and holds 200 MB)": (
        hostile.zip_bomb_declared, "FILE_TOO_LARGE", "times its size"),
    "zip bomb (declares 1 KB, holds 50 MB)": (
        hostile.zip_bomb_lying, "CORRUPT_FILE", "Bad CRC-32"),
    "billion laughs in sharedStrings.xml": (
        hostile.billion_laughs_xlsx, "UNSUPPORTED_FILE", "document type (DTD)"),
    "external entity in an XLSX sheet": (
        hostile.external_entity_xlsx, "UNSUPPORTED_FILE", "document type (DTD)"),
    "external entity in an ODS": (
        hostile.external_entity_ods, "UNSUPPORTED_FILE", "'content.xml' declares"),
    "a shared string of 3 million characters": (
        hostile.huge_shared_string_xlsx, "CELL_TOO_LONG", "3,000,000 characters"),
    "a CSV cell of 40,000 characters": (
        hostile.long_cell_csv, "CELL_TOO_LONG", "Row 3, column 1"),
    "a 100 MB CSV on one line": (
        lambda: hostile.single_line_csv(100 * 1024 * 1024), "CORRUPT_FILE",
        "field larger than field limit"),
    "NUL bytes": (hostile.nul_csv, "UNSUPPORTED_FILE", "NUL byte on line 2"),
    "a NUL byte after 5,000 lines": (
        hostile.late_nul_csv, "UNSUPPORTED_FILE", "NUL byte on line 5002"),
    "invalid UTF-8 with control bytes": (
        lambda: b"Name\nCaf\xe9\x01\x02\n", "CORRUPT_FILE", "not UTF-8 text"),
    "a password-protected XLSX": (
        hostile.password_xlsx, "PASSWORD_PROTECTED", "Remove the password"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_hostile_file_is_refused_in_bounded_memory(case: str, tmp_path: Path) -> None:
    build, code, reason = REFUSED[case]
    outcome = probe(tmp_path, build())
    assert outcome["code"] == code, outcome
    assert reason in outcome["message"]


READ: dict[str, tuple[Callable[[], bytes], int, list[str]]] = {
    "an XLS renamed .csv is read as the XLS it is": (
        hostile.xls_named_csv, 3, ["Customer Name", "Email", "Phone", "Customer Type"]),
    "a macro-enabled XLSM is read as data": (hostile.macro_xlsm, 2, ["Name"]),
    "a CSV of 100,000 columns is read (the upload refuses it, below)": (
        hostile.wide_csv, 1, [f"c{n}" for n in range(10)]),
    "Latin-1 that is not UTF-8 reads as the text it is": (
        lambda: b"Name\nCaf\xe9 Zo\xeb\n", 2, ["Name"]),
}


@pytest.mark.parametrize("case", list(READ))
def test_odd_but_honest_file_is_read_in_bounded_memory(case: str, tmp_path: Path) -> None:
    build, rows, first = READ[case]
    outcome = probe(tmp_path, build())
    assert outcome["rows"] == rows, outcome
    assert outcome["first"][:len(first)] == first


async def test_hostile_uploads_get_user_errors_and_no_job(org: Org) -> None:
    for data, code in ((hostile.zip_bomb_declared(), "FILE_TOO_LARGE"),
                       (hostile.billion_laughs_xlsx(), "UNSUPPORTED_FILE"),
                       (hostile.password_xlsx(), "PASSWORD_PROTECTED"),
                       (hostile.wide_csv(), "TOO_MANY_COLUMNS"),
                       (hostile.nul_csv(), "UNSUPPORTED_FILE")):
        payload = await upload(org, data, "file.xlsx", entity="CUSTOMERS")
        assert payload["job"] is None
        assert payload["userErrors"][0]["code"] == code, payload
    jobs = await org.gql("{ importJobs { totalCount } }")
    assert jobs["importJobs"]["totalCount"] == 0


async def test_an_upload_past_the_size_limit_is_stopped_while_it_streams(org: Org) -> None:
    """1 GB sent without a length: the service stops reading soon after its limit."""
    sent = 0

    async def gigabyte() -> AsyncIterator[bytes]:
        nonlocal sent
        boundary = b"--xyz\r\n"
        yield (boundary + b'Content-Disposition: form-data; name="operations"\r\n\r\n'
               b'{"query": "mutation($file: Upload!) { importFile(file: $file, input: '
               b'{entity: CUSTOMERS}) { job { id } } }", "variables": {"file": null}}\r\n'
               + boundary + b'Content-Disposition: form-data; name="map"\r\n\r\n'
               b'{"0": ["variables.file"]}\r\n' + boundary
               + b'Content-Disposition: form-data; name="0"; filename="big.csv"\r\n'
               b"Content-Type: text/csv\r\n\r\n")
        for _ in range(1024):
            sent += 1024 * 1024
            yield b"a" * (1024 * 1024)

    response = await org.http.post(
        "/graphql", content=gigabyte(),
        headers={"Authorization": f"Bearer {org.keys[next(iter(org.keys))]}",
                 "GraphQL-Require-Preflight": "1",
                 "Content-Type": "multipart/form-data; boundary=xyz"})
    assert response.status_code == 413
    assert "is over 105,906,176 bytes" in response.json()["errors"][0]["message"]
    assert sent < 200 * 1024 * 1024


async def test_a_declared_length_past_the_limit_is_refused_before_reading(org: Org) -> None:
    response = await org.http.post(
        "/graphql", content=b"--xyz--\r\n",
        headers={"Authorization": f"Bearer {org.keys[next(iter(org.keys))]}",
                 "GraphQL-Require-Preflight": "1", "Content-Length": str(2**30),
                 "Content-Type": "multipart/form-data; boundary=xyz"})
    assert response.status_code == 413


async def test_more_rows_than_excel_holds_fail_the_job_before_any_write(org: Org) -> None:
    rows = 1_048_576 + 1
    data = b"Site Name,Customer\n" + b"S,C\n" * rows
    payload = await upload(org, data, "tall.csv", entity="SITES")
    assert payload["userErrors"] == []
    job = await finished(org, payload["job"]["id"], seconds=240)
    assert job["status"] == "FAILED"
    assert f"{rows:,} rows; at most 1,048,576" in job["failureReason"], job
    assert (await org.gql("{ sites { totalCount } }"))["sites"]["totalCount"] == 0

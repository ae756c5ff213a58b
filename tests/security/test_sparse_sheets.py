"""A tiny workbook with one cell far away costs neither the checking child nor
the service the rectangle up to that cell (calamine holds a sheet as one).

The child is run as the real process it is (tests/security/isolated_probe.py),
and reports its own peak RSS.
"""

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import Org
from tests.imports import upload
from tests.security.hostile_files import xlsx

ROOT = Path(__file__).resolve().parent.parent.parent
PEAK_RSS_MB = 200


def far_cell_xlsx(far: str) -> bytes:
    """A header, a row, and one cell at `far`: a few KB."""
    data = xlsx([["Customer Name"], ["ABC"]])
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet is not None
    sheet[far] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def child(tmp_path: Path, data: bytes) -> dict[str, Any]:
    path = tmp_path / "upload.xlsx"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-m", "tests.security.isolated_probe", str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    outcome: dict[str, Any] = json.loads(done.stdout)
    return outcome


@pytest.mark.parametrize("far", ["ZZ20000", "XFD1048576"])
def test_the_checking_child_refuses_a_far_cell_in_bounded_memory(far: str,
                                                                 tmp_path: Path) -> None:
    data = far_cell_xlsx(far)
    assert len(data) < 10_000
    outcome = child(tmp_path, data)
    assert outcome["answer"] is not None, outcome
    assert outcome["answer"]["code"] == "FILE_TOO_LARGE", outcome
    assert f"as far as {far}" in outcome["answer"]["message"]
    assert outcome["peak_rss_mb"] < PEAK_RSS_MB, outcome


def test_a_real_sheet_passes_the_check(tmp_path: Path) -> None:
    rows = [["Customer Name", "Email", "Notes"]] + [
        [f"Customer {n}", f"c{n}@example.com", "x" * (n % 7)] for n in range(5_000)]
    outcome = child(tmp_path, xlsx(rows))
    assert outcome["answer"] is None, outcome
    assert outcome["peak_rss_mb"] < PEAK_RSS_MB, outcome


async def test_the_upload_is_refused_with_the_far_cell_named(org: Org) -> None:
    payload = await upload(org, far_cell_xlsx("XFD1048576"), "stray.xlsx", entity="CUSTOMERS")
    assert payload["job"] is None
    (error,) = payload["userErrors"]
    assert error["code"] == "FILE_TOO_LARGE"
    assert "XFD1048576" in error["message"]
    assert "Ctrl+End" in error["message"]
    jobs = await org.gql("{ importJobs { totalCount } }")
    assert jobs["importJobs"]["totalCount"] == 0

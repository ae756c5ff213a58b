"""Random and mutated bytes fed to the file readers, for a bounded number of
examples: only the import's own ImportFileError ever comes out, and a file that
opens yields rows of plain cell values.

Mutations go inside the zip (to a workbook part, re-zipped with a good CRC), so
calamine's XML parsing is what gets fuzzed, not only the zip checks. Files are
read as the service reads them: a workbook is parsed first in a child process
with a time limit (importers/isolated.py), because calamine can hang on some.
"""

import asyncio
import io
import os
import zipfile
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers.errors import ImportFileError
from importers.isolated import check_readable
from importers.readers import open_rows
from tests.security.hostile_files import FIXTURES, xlsx

# SITEBOOK_FUZZ_EXAMPLES=5000 for a longer hunt; the default keeps `make test` quick.
EXAMPLES = int(os.environ.get("SITEBOOK_FUZZ_EXAMPLES", "400"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# A workbook costs a child process (about 0.2 s) each: fewer of them.
FUZZ_WORKBOOKS = settings(FUZZ, max_examples=max(1, EXAMPLES // 4))
CELL_TYPES = (str, int, float, bool, date, datetime, time, timedelta, type(None))

SEED_XLSX = xlsx([["Customer Name", "Email", "Amount", "When"],
                  ["Acme", "a@x.example", 12.5, datetime(2026, 1, 2)],
                  ["Béta", None, 3, date(2025, 12, 31)]])
SEED_ODS = (FIXTURES / "sites.ods").read_bytes()
SEED_XLS = (FIXTURES / "customers.xls").read_bytes()
SEED_CSV = "Name;Email;Note\n\"Acme, Inc\";a@x.example;\"two\nlines\"\nBéta;;x\n".encode()


def read_everything(data: bytes) -> None:
    try:
        asyncio.run(check_readable(data, seconds=10))
        opened = open_rows(data)
        for row in opened.rows:
            assert all(isinstance(cell, CELL_TYPES) for cell in row), row
        for sheet in opened.sheets[1:3]:
            for row in open_rows(data, sheet).rows:
                assert all(isinstance(cell, CELL_TYPES) for cell in row), row
    except ImportFileError as exc:
        reason = exc.message
    else:
        return
    assert reason.strip()  # a refusal always says why


def mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    """Apply (kind, position, byte) edits: 0 replaces, 1 inserts, 2 deletes, 3 truncates."""
    buffer = bytearray(data)
    for kind, position, value in edits:
        if not buffer:
            break
        at = position % len(buffer)
        if kind == 0:
            buffer[at] = value
        elif kind == 1:
            buffer.insert(at, value)
        elif kind == 2:
            del buffer[at]
        else:
            del buffer[at:]
    return bytes(buffer)


EDITS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2**31), st.integers(0, 255)),
                 min_size=1, max_size=12)


def mutate_member(workbook: bytes, index: int, edits: list[tuple[int, int, int]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        entries = source.infolist()
        chosen = entries[index % len(entries)].filename
        for entry in entries:
            content = source.read(entry)
            if entry.filename == chosen and entry.filename != "mimetype":
                content = mutate(content, edits)
            target.writestr(entry, content)
    return out.getvalue()


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(data: bytes) -> None:
    read_everything(data)


@FUZZ_WORKBOOKS
@given(st.sampled_from([SEED_CSV, SEED_XLS, SEED_XLSX, SEED_ODS]), EDITS)
def test_mutated_files(seed: bytes, edits: list[tuple[int, int, int]]) -> None:
    read_everything(mutate(seed, edits))


@FUZZ_WORKBOOKS
@given(st.sampled_from([SEED_XLSX, SEED_ODS]), st.integers(0, 50), EDITS)
def test_mutated_workbook_parts(seed: bytes, member: int,
                                edits: list[tuple[int, int, int]]) -> None:
    read_everything(mutate_member(seed, member, edits))


@FUZZ
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=2000),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_random_text_as_csv(text: str, encoding: str) -> None:
    read_everything(text.encode(encoding, errors="replace"))


def test_the_workbook_that_hung_calamine_is_refused_in_time() -> None:
    """Found by test_mutated_workbook_parts: two bytes changed in an ODS's
    content.xml make calamine loop forever in CalamineWorkbook.from_filelike.
    """
    hanging = mutate_member(SEED_ODS, 27, [(0, 1178757315, 107), (0, 1257675397, 35)])
    with pytest.raises(ImportFileError, match="could not be read in 3 seconds"):
        asyncio.run(check_readable(hanging, seconds=3))

"""The reading child (importers/isolated.py): rows come back whole, in frames
the service can hold, the child ends when its reader stops, and what it sends
is unpickled as cells only.
"""

import json
import os
import pickle
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from importers import isolated
from importers.errors import ImportFileError
from importers.fields import Entity
from importers.parts import BATCH_CHARS, Part, batches
from tests.imports import csv_bytes, xlsx_bytes
from tests.security.hostile_files import _random_text

ROOT = Path(__file__).resolve().parent.parent


def child_output(data: bytes) -> bytes:
    options = json.dumps({"sheet": None, "max_columns": None, "check": False, "rows": True})
    done = subprocess.run([sys.executable, "-m", "importers.isolated"], cwd=ROOT,
                          input=options.encode() + b"\n" + data, capture_output=True,
                          timeout=600, check=True)
    return done.stdout


def frame_sizes(output: bytes) -> list[int]:
    sizes, at = [], 0
    while at < len(output):
        (size,) = struct.unpack_from(">I", output, at)
        sizes.append(size)
        at += 4 + size
    return sizes


def test_long_texts_come_back_whole_in_frames_the_service_can_hold() -> None:
    # Random letters: a zip cannot squeeze them past its ratio limit.
    rows = [["Customer Name", "Notes"]] + [
        [f"Customer {n}", _random_text(30_000, seed=n)] for n in range(600)]
    data = xlsx_bytes(rows)
    sizes = frame_sizes(child_output(data))
    assert len(sizes) > 2  # split: 600 rows would be one batch but for their size
    assert max(sizes) <= isolated.BATCH_BYTES
    streamed = list(isolated.open_rows(data).rows)
    assert streamed == rows


def children() -> set[int]:
    found = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found |= {int(pid) for pid in (task / "children").read_text().split()}
    return found


def reading_children() -> set[int]:
    alive = set()
    for pid in children():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"importers.isolated" in command:
            alive.add(pid)
    return alive


@pytest.mark.parametrize("read", [0, 1])
def test_the_child_ends_when_its_reader_stops_early(read: int) -> None:
    data = csv_bytes([["Name"]] + [[f"N{n}"] for n in range(50_000)])
    before = reading_children()
    opened = isolated.open_rows(data)
    assert reading_children() - before  # it runs while rows are wanted
    for _ in range(read):
        next(opened.rows)
    del opened
    deadline = time.monotonic() + 60
    while reading_children() - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not reading_children() - before


def test_only_cells_are_unpickled() -> None:
    hostile = pickle.dumps(("rows", [[os.system]]))
    with pytest.raises(ImportFileError) as refused:
        isolated._load(hostile)
    assert refused.value.code.value == "CORRUPT_FILE"
    assert isolated._load(pickle.dumps(("end",))) == ("end",)


def test_a_batch_of_long_rows_is_cut_by_its_size() -> None:
    texts = [_random_text(30_000, seed=n) for n in range(3)]
    data = csv_bytes([["Customer Name", "A", "B", "C"]] + [
        [f"Customer {n}", *texts] for n in range(200)])
    part = Part(sheet=None, entity=Entity.CUSTOMERS, headers=[], mapping=[],
                has_headers=True)
    sizes = [len(batch) for _, batch in batches([part], {}, data, 0)]
    assert sum(sizes) == 200
    assert max(sizes) <= BATCH_CHARS // 90_000 + 1 < 200

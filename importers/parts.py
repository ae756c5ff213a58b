"""Where a job's rows come from, and the order they are imported in.

A job reads one sheet (or the sheets of a template workbook, in dependency
order). Rows go in file order, except that a row billed to a customer whose row
comes later waits for it, at the end of its sheet (importers/scan); the
checkpoint is a position in that order.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from documents.import_job import MappedColumn
from importers.dates import DateOrder
from importers.fields import Entity
from importers.isolated import open_rows
from importers.readers import Cell

BATCH_ROWS = 1000
# Characters a batch holds at most (a row alone may hold more): rows of long
# texts make smaller batches, so what the worker holds stays bounded.
BATCH_CHARS = 8_000_000

# (position in processing order, seq in the file, spreadsheet row number, cells)
BatchRow = tuple[int, int, int, list[Cell]]


@dataclass
class Part:
    """A sheet to read, the entity it holds, and how its columns map."""

    sheet: str | None
    entity: Entity
    headers: list[str]
    mapping: list[MappedColumn]
    has_headers: bool
    date_orders: dict[int, DateOrder] = field(default_factory=dict)
    # 1-based row of the headers: it and the rows above it (a title, notes) are
    # not data. None: no header row, every row is data.
    header_row: int | None = 1
    # Wider rows fail the job (checked on every row, not only the first).
    max_columns: int | None = None


def data_rows(parts: list[Part], data: bytes) -> Iterator[tuple[int, int, int, list[Cell]]]:
    """(part index, seq, spreadsheet row number, cells) of each non-blank data
    row, in file order.
    """
    seq = 0
    for index, part in enumerate(parts):
        rows = open_rows(data, part.sheet, part.max_columns).rows
        # Rows up to the header row are headers and what stands above them;
        # without a header row (None) the first row is data too.
        skipped = part.header_row or 0
        for number, cells in enumerate(rows, start=1):
            if number > skipped and any(c is not None for c in cells):
                seq += 1
                yield index, seq, number, cells


def ordered_rows(parts: list[Part], deferred: dict[int, int],
                 data: bytes) -> Iterator[tuple[int, BatchRow]]:
    """(part index, row) in processing order: each sheet's rows in file order,
    then its deferred rows (seq -> depth), each after the rows it waits for.
    """
    held: list[tuple[int, int, int, list[Cell]]] = []  # (depth, seq, number, cells)
    position = 0
    current = 0

    def release() -> Iterator[tuple[int, BatchRow]]:
        nonlocal position
        for _, seq, number, cells in sorted(held, key=lambda r: (r[0], r[1])):
            position += 1
            yield current, (position, seq, number, cells)
        held.clear()

    for index, seq, number, cells in data_rows(parts, data):
        if index != current:
            yield from release()
            current = index
        if seq in deferred:
            held.append((deferred[seq], seq, number, cells))
            continue
        position += 1
        yield index, (position, seq, number, cells)
    yield from release()


def batches(parts: list[Part], deferred: dict[int, int], data: bytes,
            checkpoint: int) -> Iterator[tuple[Part, list[BatchRow]]]:
    """The rows after the checkpoint, BATCH_ROWS (or BATCH_CHARS) at a time, a
    batch never spanning two sheets.
    """
    batch: list[BatchRow] = []
    batch_part: Part | None = None
    chars = 0
    for index, row in ordered_rows(parts, deferred, data):
        if row[0] <= checkpoint:
            continue
        part = parts[index]
        size = sum(len(cell) for cell in row[3] if type(cell) is str)
        if batch and (len(batch) == BATCH_ROWS or chars + size > BATCH_CHARS
                      or part is not batch_part):
            assert batch_part is not None
            yield batch_part, batch
            batch = []
            chars = 0
        batch_part = part
        batch.append(row)
        chars += size
    if batch:
        assert batch_part is not None
        yield batch_part, batch

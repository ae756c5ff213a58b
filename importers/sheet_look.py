"""A first look at a sheet: its header row, headers, and samples of its columns'
values, as importAnalyze and importFile both need them (so the two agree).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from importers.fields import Entity
from importers.header_row import HEADER_SEARCH_ROWS, find_header_row
from importers.mapping import SAMPLE_VALUES
from importers.readers import Cell
from importers.rows import cell_text
from importers.value_kinds import is_empty

# Rows read for the header row (the search window and the rows under it); a
# header row given by the user must be one of them.
HEAD_ROWS = HEADER_SEARCH_ROWS + 20
# Data rows whose values are sampled for the proposals.
_SAMPLED_ROWS = 2_000
SAMPLE_ROWS = 5


class Detect:
    """Passed as the header row: find it (see header_row.find_header_row)."""


DETECT = Detect()


@dataclass
class SheetLook:
    header_row: int | None  # 1-based; None: the sheet has no header row
    headers: list[str]
    values: list[list[str]]  # per column, up to SAMPLE_VALUES non-empty data values
    sample_rows: list[list[str | None]] = field(default_factory=list)
    row_count: int = 0  # non-blank data rows (counted to the end when asked)
    width: int = 0


def look_at(entity: Entity, rows: Iterator[list[Cell]], header_row: int | Detect | None,
            customer_label: str = "Customer", count_all: bool = True) -> SheetLook:
    """The header row (found when DETECT), the headers and value samples of `rows`.

    Rows are numbered from 1 as the sheet shows them, blank ones included, as the
    import worker numbers them; rows above the header row are not data.
    """
    head: list[list[str | None]] = []
    for cells in rows:
        head.append([cell_text(c) for c in cells])
        if len(head) >= HEAD_ROWS:
            break
    if isinstance(header_row, Detect):
        header_row = find_header_row(entity, head, customer_label)
    headers = ([h or "" for h in head[header_row - 1]]
               if header_row is not None and header_row <= len(head) else [])
    look = SheetLook(header_row, headers, [], width=len(headers))

    def take(number: int, texts: list[str | None]) -> None:
        if number <= (header_row or 0) or all(t is None for t in texts):
            return
        look.row_count += 1
        look.width = max(look.width, len(texts))
        if len(look.sample_rows) < SAMPLE_ROWS:
            look.sample_rows.append(texts)
        if look.row_count <= _SAMPLED_ROWS:
            while len(look.values) < len(texts):
                look.values.append([])
            for column, text in enumerate(texts):
                if text is not None and not is_empty(text) and \
                        len(look.values[column]) < SAMPLE_VALUES:
                    look.values[column].append(text)

    for number, texts in enumerate(head, start=1):
        take(number, texts)
    number = len(head)
    for cells in rows:
        number += 1
        if look.row_count < _SAMPLED_ROWS:
            take(number, [cell_text(c) for c in cells])
        elif not count_all:
            break
        elif any(c is not None for c in cells):  # past the sample: only counted
            look.row_count += 1
            look.width = max(look.width, len(cells))
    while len(look.values) < look.width:
        look.values.append([])
    return look

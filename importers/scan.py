"""The first pass over a job's rows, before any is imported: counts them,
decides each date column's order from all its values, and learns what rows
refer to, so that each row can be imported in an order that makes sense.

- Each row key's first row: a later row with the same key is a duplicate in
  the file (applied after the earlier one, with a warning naming it).
- Each customer name's first row: a row billed to a customer whose row comes
  later in the file waits for that row (it is *deferred* to the end of its
  sheet), so the link, care-of name and account number land with it, and a
  billing customer whose row failed fails its tenants too.

Cheap by design: only the key and date columns of each row are read.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from documents.import_job import MappedColumn, MatchBy
from documents.text import name_key
from importers.dates import DateOrder, detect_order
from importers.fields import Entity, FieldType, field_for
from importers.readers import Cell
from importers.row_keys import customer_name, row_key
from importers.rows import EMPTY_MARKERS, cell_text

# (part index, seq, spreadsheet row number, cells): a data row in file order.
DataRow = tuple[int, int, int, list[Cell]]


@dataclass
class PartPlan:
    entity: Entity
    mapping: list[MappedColumn]


@dataclass
class Scan:
    total: int = 0
    # (part index, column) -> the column's date order, and whether its values decided it.
    date_orders: dict[tuple[int, int], tuple[DateOrder, bool]] = field(default_factory=dict)
    customer_rows: dict[str, tuple[int, int]] = field(default_factory=dict)
    first_rows: dict[str, int] = field(default_factory=dict)
    # seq of each deferred row -> its depth (a row deferred behind a deferred row goes after it).
    deferred: dict[int, int] = field(default_factory=dict)
    # Rows that would close a cycle of billing customers within the file.
    cycles: set[int] = field(default_factory=set)


def _texts(mapping: list[MappedColumn], cells: list[Cell]) -> dict[str, str]:
    found = {}
    for mapped in mapping:
        if mapped.column < len(cells):
            text = cell_text(cells[mapped.column])
            if text is not None and text.casefold() not in EMPTY_MARKERS:
                found[mapped.field] = text
    return found


def scan(parts: list[PartPlan], rows: Iterator[DataRow], match_by: MatchBy,
         default_order: DateOrder) -> Scan:
    found = Scan()
    date_texts: dict[tuple[int, int], list[str]] = {}
    for index, part in enumerate(parts):
        for m in part.mapping:
            target = field_for(part.entity, m.field)
            if target is not None and target.type is FieldType.DATE:
                date_texts[(index, m.column)] = []
    billing_refs: list[tuple[int, str]] = []  # (seq, billing customer name key)
    for index, seq, number, cells in rows:
        found.total = seq
        part = parts[index]
        for (part_index, column), texts in date_texts.items():
            if part_index == index and column < len(cells) and isinstance(cells[column], str):
                texts.append(str(cells[column]))
        texts_of_row = _texts(part.mapping, cells)
        key = row_key(part.entity, match_by, texts_of_row.get)
        if key is not None:
            found.first_rows.setdefault(f"{index}:{key}", number)
        if part.entity is Entity.CUSTOMERS:
            name = customer_name(texts_of_row.get)
            if name:
                found.customer_rows.setdefault(name_key(name), (seq, number))
            if billing := texts_of_row.get("billing_customer"):
                billing_refs.append((seq, name_key(billing)))
    for where, texts in date_texts.items():
        found.date_orders[where] = detect_order(texts, default_order)
    targets = {seq: found.customer_rows[key][0] for seq, key in billing_refs
               if key in found.customer_rows and found.customer_rows[key][0] != seq}
    found.deferred, found.cycles = _plan(targets)
    return found


def _plan(targets: dict[int, int]) -> tuple[dict[int, int], set[int]]:
    """Which rows wait (row -> depth), and which close a cycle of billing customers.

    A row waits when its billing customer's row comes later, or waits itself; it
    goes after that row (a greater depth). In a cycle, the row that comes last in
    the file closes it: it fails with BILLING_CYCLE, and the others wait for it.
    """
    depth: dict[int, int | None] = {}  # None: not waiting
    cycles: set[int] = set()
    for start in targets:
        path: list[int] = []
        on_path: set[int] = set()
        node: int | None = start
        while node is not None and node not in depth and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = targets.get(node)
        if node is not None and node in on_path:  # a cycle: its last row in the file closes it
            loop = path[path.index(node):]
            closing = max(loop)
            cycles.add(closing)
            depth[closing] = None
        for seq in reversed(path):
            if seq in depth:
                continue
            target = targets.get(seq)
            below = depth.get(target) if target is not None else None
            if target is None:
                depth[seq] = None
            elif below is not None:
                depth[seq] = below + 1
            elif target > seq or target in cycles:
                depth[seq] = 0
            else:
                depth[seq] = None
    return {seq: d for seq, d in depth.items() if d is not None}, cycles

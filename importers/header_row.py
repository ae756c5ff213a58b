"""Which row of a sheet holds the column headers, wherever it is.

Exports often put a title, blank lines, a section word ("CLIENTS") or `#`
comment lines above the headers. Each of the first HEADER_SEARCH_ROWS rows is
judged as a person would:

- how many of its cells read like labels (a few words, not values: see
  value_kinds.is_label) and how many read like data;
- how many name a field (a label, alias or qualified address part);
- how the rows under it differ in kind: a label over a column of numbers,
  dates, emails or sentences is a header; a cell repeated in its own column is data;
- a row narrower than the rows under it (a title, a section word) is not a header.

The best row is the header row when it holds (almost) no data and either
names a field or stands over data of another kind; otherwise the sheet has no
header row.
"""

from collections.abc import Sequence

from importers.fields import Entity
from importers.mapping import header_matches
from importers.value_kinds import is_empty, is_label

HEADER_SEARCH_ROWS = 30
# Rows under a candidate that say what its columns hold.
_ROWS_BELOW = 20
# Columns judged: a header row shows itself well within them (and the search
# stays quick on sheets 1,000 columns wide).
_COLUMNS_JUDGED = 200


def is_comment(cells: Sequence[str | None]) -> bool:
    """A `#` comment line ("# exported 2024-01-02"); a lone "#" is a column title."""
    first = next((c.strip() for c in cells if c is not None and c.strip()), "")
    return first.startswith("#") and len(first) > 1 and (
        first[1] in " #!" or sum(1 for c in cells if c is not None and c.strip()) == 1)


def _filled(cells: Sequence[str | None]) -> list[tuple[int, str]]:
    return [(column, text.strip()) for column, text in enumerate(cells[:_COLUMNS_JUDGED])
            if text is not None and not is_empty(text)]


def find_header_row(entity: Entity, rows: Sequence[Sequence[str | None]],
                    customer_label: str = "Customer") -> int | None:
    """The 1-based number of the header row among `rows` (the sheet's first rows
    as text, at least HEADER_SEARCH_ROWS + 20 when the sheet has them), or None.
    """
    useful = [(number, _filled(cells)) for number, cells in enumerate(rows, start=1)
              if not is_comment(cells)]
    useful = [(number, cells) for number, cells in useful if cells]
    # column -> (text casefolded, reads like a label), per row
    read = [{column: (text.casefold(), is_label(text)) for column, text in cells}
            for _, cells in useful]
    best: tuple[float, int, bool] | None = None  # (score, -number, is a header)
    for position, (number, cells) in enumerate(useful):
        if number > HEADER_SEARCH_ROWS:
            break
        below = read[position + 1:position + 1 + _ROWS_BELOW]
        widest = max((len(row) for row in below), default=len(cells))
        if len(cells) < min(2, widest) or len(cells) * 3 < widest:
            continue  # a title or section word over wider rows
        labels = [(column, text) for column, text in cells if read[position][column][1]]
        data = len(cells) - len(labels)
        matches = sum(header_matches(entity, text, customer_label) for _, text in labels)
        contrast = repeated = 0
        for column, _ in cells:
            folded, label = read[position][column]
            under = [row[column] for row in below if column in row]
            if any(value == folded for value, _ in under):
                repeated += 1
            elif under and label and sum(
                    not is_value_label for _, is_value_label in under) >= 0.6 * len(under):
                contrast += 1
        score = len(labels) + 2 * matches + contrast - 2 * data - 2 * repeated
        header = data * 10 <= len(cells) and matches + contrast >= 1
        if best is None or (score, -number) > best[:2]:
            best = (score, -number, header)
    if best is None or not best[2]:
        return None
    return -best[1]

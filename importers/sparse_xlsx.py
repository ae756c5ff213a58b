"""Reading an XLSX sheet cell by cell from its XML, for sheets whose cells are
spread thin over a large rectangle.

calamine holds a sheet as the full rectangle from its first to its last cell,
at about 32 bytes a cell, empty or not: one stray cell at XFD1048576 makes a
1.5 KB file cost gigabytes. So before a sheet is read, the rectangle its cells
span and the number of cells that hold something are found by scanning its XML
as it inflates (`extent`). A sheet whose rectangle is far bigger than what it
holds is read here instead: its XML is parsed as a stream (expat), each cell is
placed by its `r` reference, and the rows between two rows that hold something
come out empty without ever being built. Memory follows the cells the sheet
really holds (and the workbook's shared strings), not its rectangle.

Values come out as calamine gives them, so a sheet reads the same either way:
numbers as floats, booleans, dates, datetimes, times and durations by the
cell's number format, error cells and formulas without a cached value empty,
and columns counted from the sheet's first used column (as calamine does;
rows from row 1, so row numbers stay the file's).
"""

import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.etree import ElementTree
from xml.parsers import expat

from importers.errors import FileErrorCode, ImportFileError

# A rectangle may be this big, or as big as DENSITY times the cells the sheet
# really holds, and still be read by calamine (much faster); beyond both it is
# read here.
MAX_DENSE_CELLS = 4_000_000
DENSITY = 4
# Excel's own bounds: a reference past them did not come from a spreadsheet.
MAX_ROW = 1_048_576
MAX_COLUMN = 16_384

# Where a cell is (its column), when it is not an empty element (a cell with
# only a style), and where a row is. Excel, LibreOffice and openpyxl write the
# reference first, and place each cell in its row; a sheet whose cells are not
# found this way is left to calamine under the reading child's limits.
# (The patterns start with a literal, which the regex engine searches for fast:
# `<c` or `<x:c` alike.)
# Empty elements (`<c r="A9" s="1"/>`, `<row r="9" s="2"/>`: formatting only)
# hold nothing and are not counted.
_CELL_COLUMN = re.compile(rb'c r="([A-Z]{1,3})[0-9]{1,7}"[^>/]*>')
_ROW_NUMBER = re.compile(rb'row r="([0-9]{1,7})"[^>/]*>')
_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CHUNK = 1024 * 1024
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)

# Built-in number formats (ECMA-376 18.8.30) that show dates, times or durations.
_DATE_FORMATS = {14, 15, 16, 17, 22, *range(27, 37), *range(50, 59)}
_TIME_FORMATS = {18, 19, 20, 21, 45, 47}
_DURATION_FORMATS = {46}
# In a custom format: quoted text, escaped characters and colours say nothing of dates.
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?![hms]+\])[^\]]*\]', re.IGNORECASE)
_ELAPSED = re.compile(r"\[[hms]+\]", re.IGNORECASE)


class Extent:
    """The rectangle an XLSX sheet's cells span, and how many cells hold
    something, found by scanning its XML as it inflates.
    """

    # A tag cut by a chunk boundary is seen whole with the next chunk.
    _OVERLAP = 256

    def __init__(self) -> None:
        self.cells = 0
        self.rows: tuple[int, int] | None = None
        self.columns: tuple[int, int] | None = None
        self.tail = b""

    def feed(self, chunk: bytes) -> None:
        # Only the cells' columns and the rows' numbers are picked out: a sheet's
        # XML is mostly cells, and this scan runs before every read of one.
        text = self.tail + chunk
        columns = _CELL_COLUMN.findall(text)
        if columns:
            # Cells wholly inside the tail were counted with the previous chunk.
            self.cells += len(columns) - len(_CELL_COLUMN.findall(self.tail))
            numbers = [column_number(c.decode()) for c in set(columns)]
            self.columns = (min(numbers), max(numbers)) if self.columns is None else (
                min(self.columns[0], *numbers), max(self.columns[1], *numbers))
        rows = _ROW_NUMBER.findall(text)
        if rows:
            numbers = [int(r) for r in rows]
            self.rows = (min(numbers), max(numbers)) if self.rows is None else (
                min(self.rows[0], *numbers), max(self.rows[1], *numbers))
        self.tail = text[-self._OVERLAP:]

    @property
    def area(self) -> int:
        if self.rows is None or self.columns is None:
            return 0
        return self.rows[1] * (self.columns[1] - self.columns[0] + 1)

    @property
    def sparse(self) -> bool:
        """Whether calamine's rectangle would be far bigger than what the sheet holds."""
        return self.area > MAX_DENSE_CELLS and self.area > DENSITY * self.cells


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_part(archive: zipfile.ZipFile, name: str) -> str | None:
    """The zip member holding sheet `name`'s XML, as workbook.xml and its
    relationships say; None when they do not say.
    """
    try:
        workbook = _tree(archive.read("xl/workbook.xml"))
        rels = _tree(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_RELS}Relationship")}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        if sheet.get("name") == name:
            target = targets.get(sheet.get(f"{_DOC_RELS}id"))
            if not target:
                return None
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def extent(archive: zipfile.ZipFile, part: str) -> Extent:
    found = Extent()
    with archive.open(part) as member:
        while chunk := member.read(_CHUNK):
            found.feed(chunk)
    return found


def sheet_rows(archive: zipfile.ZipFile, part: str, first_column: int) -> Iterator[list[Any]]:
    """The rows of the sheet in `part`, from row 1 to its last row that holds
    something, each from column `first_column` to its last cell that holds
    something; a row with nothing in it is [].
    """
    return _SheetReader(archive, part, first_column).rows()


class _SheetReader:
    def __init__(self, archive: zipfile.ZipFile, part: str, first_column: int) -> None:
        self.archive = archive
        self.part = part
        self.first_column = first_column
        self.strings = _shared_strings(archive)
        self.kinds, self.epoch = _styles(archive)

    def rows(self) -> Iterator[list[Any]]:
        parser = _parser()
        done: list[tuple[int, list[Any]]] = []  # rows ended in the last chunk
        state: dict[str, Any] = {"row": 0, "column": 0, "cells": None, "cell": None,
                                 "text": None, "inline": False}

        def start(tag: str, attributes: dict[str, str]) -> None:
            local = tag.rpartition("}")[2] if "}" in tag else tag.rpartition(":")[2]
            if local == "row":
                number = attributes.get("r")
                state["row"] = int(number) if number and number.isdigit() else state["row"] + 1
                if state["row"] > MAX_ROW:
                    raise _beyond(f"row {state['row']:,}")
                state["column"] = 0
                state["cells"] = {}
            elif local == "c" and state["cells"] is not None:
                reference = attributes.get("r")
                matched = _REFERENCE.fullmatch(reference) if reference else None
                state["column"] = (column_number(matched.group(1)) if matched
                                   else state["column"] + 1)
                if state["column"] > MAX_COLUMN:
                    raise _beyond(f"column {state['column']:,}")
                state["cell"] = (attributes.get("t", "n"), attributes.get("s"))
                state["text"] = None
            elif local in ("v", "t") and state["cell"] is not None:
                # <t> counts inside an inline string, but not in its phonetic runs.
                if local == "v" or (state["inline"] and not state.get("phonetic")):
                    state["text"] = state["text"] or []
                    state["reading"] = True
            elif local == "is":
                state["inline"] = True
            elif local == "rPh":
                state["phonetic"] = True

        def end(tag: str) -> None:
            local = tag.rpartition("}")[2] if "}" in tag else tag.rpartition(":")[2]
            if local in ("v", "t"):
                state["reading"] = False
            elif local == "rPh":
                state["phonetic"] = False
            elif local == "is":
                state["inline"] = False
            elif local == "c" and state["cell"] is not None:
                kind, style = state["cell"]
                value = self._value(kind, style, state["text"])
                if value is not None and state["column"] >= self.first_column:
                    state["cells"][state["column"]] = value
                state["cell"] = None
            elif local == "row" and state["cells"] is not None:
                if state["cells"]:  # a row of formatting only is as good as none
                    done.append((state["row"], _as_list(state["cells"], self.first_column)))
                state["cells"] = None

        def characters(text: str) -> None:
            if state.get("reading"):
                state["text"].append(text)

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = characters
        number = 0
        with self.archive.open(self.part) as member:
            while True:
                chunk = member.read(_CHUNK)
                parser.Parse(chunk, not chunk)
                for row_number, cells in done:
                    if row_number <= number:
                        raise ImportFileError(
                            FileErrorCode.CORRUPT_FILE,
                            f"Row {row_number:,} comes after row {number:,} in the sheet's "
                            "XML: the file is damaged.")
                    while number < row_number - 1:
                        number += 1
                        yield []
                    number = row_number
                    yield cells
                done.clear()
                if not chunk:
                    break

    def _value(self, kind: str, style: str | None, parts: list[str] | None) -> Any:
        if parts is None:
            return None
        text = "".join(parts)
        if kind == "s":
            index = int(text)
            if not 0 <= index < len(self.strings):
                raise ImportFileError(FileErrorCode.CORRUPT_FILE,
                                      f"A cell refers to shared string {index}, which the "
                                      "workbook does not have.")
            return self.strings[index] or None
        if kind in ("str", "inlineStr"):
            return text or None
        if kind == "b":
            return text.strip() == "1"
        if kind == "e":
            return None
        if kind == "d":
            return _iso(text)
        if not text.strip():
            return None
        number = float(text)
        shown = self.kinds.get(int(style)) if style and style.isdigit() else None
        return number if shown is None else _serial(number, shown, self.epoch)


def _as_list(cells: dict[int, Any], first_column: int) -> list[Any]:
    if not cells:
        return []
    row: list[Any] = [None] * (max(cells) - first_column + 1)
    for column, value in cells.items():
        row[column - first_column] = value
    return row


def _beyond(where: str) -> ImportFileError:
    return ImportFileError(FileErrorCode.CORRUPT_FILE,
                           f"A cell is placed at {where}, beyond the last one a spreadsheet "
                           "has: the file is damaged.")


def _tree(part: bytes) -> ElementTree.Element:
    """A small XML part (workbook, relationships, styles) as a tree, refused
    when it declares a document type anywhere (the zip check looks at each
    part's head only).
    """
    if _DTD.search(part):
        raise _dtd_refused()
    return ElementTree.fromstring(part)  # noqa: S314 -- no DTD, so no entity to expand


def _dtd_refused() -> ImportFileError:
    return ImportFileError(FileErrorCode.UNSUPPORTED_FILE,
                           "The workbook declares an XML document type (DTD), which "
                           "spreadsheets never need and attacks use; it is refused.")


def _parser() -> Any:
    """An expat parser that refuses document type declarations (entity tricks)."""
    parser = expat.ParserCreate()

    def refuse(*_: object) -> None:
        raise _dtd_refused()

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    return parser


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    names = set(archive.namelist())
    part = "xl/sharedStrings.xml"
    if part not in names:
        return []
    strings: list[str] = []
    parser = _parser()
    state: dict[str, Any] = {"text": None, "phonetic": False, "reading": False}

    def start(tag: str, _: dict[str, str]) -> None:
        local = tag.rpartition("}")[2] if "}" in tag else tag.rpartition(":")[2]
        if local == "si":
            state["text"] = []
        elif local == "rPh":
            state["phonetic"] = True
        elif local == "t" and not state["phonetic"]:
            state["reading"] = True

    def end(tag: str) -> None:
        local = tag.rpartition("}")[2] if "}" in tag else tag.rpartition(":")[2]
        if local == "si":
            strings.append("".join(state["text"] or []))
            state["text"] = None
        elif local == "rPh":
            state["phonetic"] = False
        elif local == "t":
            state["reading"] = False

    def characters(text: str) -> None:
        if state["reading"] and state["text"] is not None:
            state["text"].append(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    with archive.open(part) as member:
        while True:
            chunk = member.read(_CHUNK)
            parser.Parse(chunk, not chunk)
            if not chunk:
                break
    return strings


def _styles(archive: zipfile.ZipFile) -> tuple[dict[int, str], datetime]:
    """Which cell styles show numbers as "date", "time" or "duration", and the
    workbook's day zero (1904 on old Macs).
    """
    epoch = datetime(1899, 12, 30)
    try:
        workbook = _tree(archive.read("xl/workbook.xml"))
        properties = workbook.find(f"{_MAIN}workbookPr")
        if properties is not None and properties.get("date1904") in ("1", "true"):
            epoch = datetime(1904, 1, 1)
        styles = _tree(archive.read("xl/styles.xml"))
    except (KeyError, ElementTree.ParseError):
        return {}, epoch
    custom = {int(f.get("numFmtId", "-1")): f.get("formatCode", "")
              for f in styles.iter(f"{_MAIN}numFmt")}
    kinds: dict[int, str] = {}
    cell_formats = styles.find(f"{_MAIN}cellXfs")
    for index, xf in enumerate(cell_formats if cell_formats is not None else []):
        number_format = int(xf.get("numFmtId", "0"))
        kind = _format_kind(number_format, custom.get(number_format))
        if kind is not None:
            kinds[index] = kind
    return kinds, epoch


def _format_kind(number_format: int, code: str | None) -> str | None:
    if code is None:
        if number_format in _DATE_FORMATS:
            return "date"
        if number_format in _TIME_FORMATS:
            return "time"
        return "duration" if number_format in _DURATION_FORMATS else None
    if _ELAPSED.search(code):
        return "duration"
    plain = _FORMAT_NOISE.sub("", code).lower()
    if any(letter in plain for letter in "dy") or ("m" in plain and "h" not in plain
                                                  and "s" not in plain):
        return "date"
    return "time" if any(letter in plain for letter in "hs") else None


def _serial(number: float, kind: str, epoch: datetime) -> Any:
    if kind == "duration":
        return timedelta(days=number)
    try:
        moment = epoch + timedelta(days=number)
    except OverflowError:
        return number
    if kind == "time" and number < 1:
        return moment.time()
    if moment.time() == time():
        return moment.date()
    return moment


def _iso(text: str) -> date | datetime | time | None:
    text = text.strip()
    for parse in (datetime.fromisoformat, time.fromisoformat):
        try:
            value: datetime | time = parse(text)
        except ValueError:
            continue
        if isinstance(value, datetime) and value.time() == time() and "T" not in text:
            return value.date()
        return value
    return None

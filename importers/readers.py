"""Reading rows from an uploaded file, whatever its format.

The format is told by content, not by extension: a zip is XLSX or ODS, an OLE2
container is XLS, anything else must be text and is read as CSV with its
encoding and delimiter detected. Rows stream out as lists of cell values.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

import python_calamine
from charset_normalizer import from_bytes

from importers.errors import FileErrorCode, ImportFileError

Cell = str | int | float | bool | date | datetime | time | timedelta | None


class FileFormat(StrEnum):
    CSV = "CSV"
    XLSX = "XLSX"
    XLS = "XLS"
    ODS = "ODS"


_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Bytes that never appear in a text file (NUL aside from UTF-16, which has a BOM or is sniffed).
_BINARY_SIGNATURES = {b"%PDF": "a PDF document", b"\x89PNG": "a PNG image",
                      b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
                      b"\x1f\x8b": "a gzip archive", b"Rar!": "a RAR archive",
                      b"7z\xbc\xaf": "a 7-Zip archive"}
_DELIMITERS = ",;\t|"


def detect_format(data: bytes) -> FileFormat:
    if not data.strip():
        raise ImportFileError(FileErrorCode.UNSUPPORTED_FILE, "The file is empty.")
    if data.startswith(_ZIP):
        # An ODS names its type in an uncompressed first entry called "mimetype".
        head = data[:200]
        return FileFormat.ODS if b"mimetypeapplication/vnd.oasis" in head else FileFormat.XLSX
    if data.startswith(_OLE2):
        return FileFormat.XLS
    for signature, what in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise ImportFileError(
                FileErrorCode.UNSUPPORTED_FILE,
                f"This is {what}, not a spreadsheet: upload CSV, TSV, XLSX, XLS or ODS.",
            )
    return FileFormat.CSV


@dataclass
class OpenedFile:
    format: FileFormat
    sheets: list[str]
    sheet: str | None
    rows: Iterator[list[Cell]]


def open_rows(data: bytes, sheet: str | None = None) -> OpenedFile:
    """The rows of `sheet` (default: the first) of the file in `data`."""
    file_format = detect_format(data)
    if file_format is FileFormat.CSV:
        return OpenedFile(file_format, [], None, _csv_rows(data))
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(workbook.sheet_names)
        if not names:
            raise ImportFileError(FileErrorCode.CORRUPT_FILE, "The workbook has no sheets.")
        chosen = _pick_sheet(names, sheet)
        worksheet = workbook.get_sheet_by_name(chosen)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(
            FileErrorCode.CORRUPT_FILE,
            f"The file looks like {file_format.value} but cannot be read: {_reason(exc)}",
        ) from None
    return OpenedFile(file_format, names, chosen, _sheet_rows(worksheet))


def _pick_sheet(names: list[str], wanted: str | None) -> str:
    if wanted is None:
        return names[0]
    for name in names:
        if name.strip().casefold() == wanted.strip().casefold():
            return name
    raise ImportFileError(
        FileErrorCode.SHEET_NOT_FOUND,
        f"No sheet named {wanted!r}; the workbook has: {', '.join(names)}.",
    )


def _sheet_rows(worksheet: Any) -> Iterator[list[Cell]]:
    for row in worksheet.iter_rows():
        yield [None if cell == "" else cell for cell in row]


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:200]


def _decode(data: bytes) -> str:
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    matches = from_bytes(data[:1_000_000])
    best = matches.best()
    encoding = best.encoding if best is not None else "cp1252"
    # Short texts often fit several code pages equally well; Windows' western
    # one is by far the most common source of non-UTF-8 spreadsheets.
    if best is not None and any(m.encoding == "cp1252" and m.chaos == best.chaos
                                and m.coherence == best.coherence for m in matches):
        encoding = "cp1252"
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise ImportFileError(
            FileErrorCode.CORRUPT_FILE,
            "The file is not text in any encoding we recognise (tried UTF-8, UTF-16, "
            f"{encoding}).",
        ) from None


def _csv_rows(data: bytes) -> Iterator[list[Cell]]:
    text = _decode(data)
    if "\x00" in text[:10_000]:
        raise ImportFileError(
            FileErrorCode.UNSUPPORTED_FILE, "The file holds binary data, not CSV text."
        )
    sample = text[:64_000]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first_line = sample.splitlines()[0] if sample else ""
        delimiter = max(_DELIMITERS, key=first_line.count)
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield [cell if cell.strip() else None for cell in row]

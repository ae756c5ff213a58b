"""Reading rows from an uploaded file, whatever its format.

The format is told by content, not by extension: a zip is XLSX or ODS, an OLE2
container is XLS, anything else must be text and is read as CSV with its
encoding and delimiter detected. Rows stream out as lists of cell values.

Files come from people and tools we do not control, so before a workbook is
parsed its zip is inflated once, counting (a zip bomb is refused by what it
declares and by what it really holds) and looking for XML document type
declarations (entity expansion, external entities), which no spreadsheet needs.
Any failure while reading, however deep, comes out as an ImportFileError.
"""

import codecs
import contextlib
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

import python_calamine
from charset_normalizer import from_bytes

from importers import sparse_xlsx
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
# Excel's own limit on a cell; a longer one did not come from a spreadsheet.
MAX_CELL_CHARS = 32_767
# A workbook may inflate to this much in all and to this many times its size:
# real XLSX and ODS files stay far below 100 to 1, zip bombs go far above.
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Control characters no text file in a single-byte code page holds (tab, CR and LF aside).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# An encrypted OOXML workbook is an OLE2 container with these streams (names in UTF-16).
_ENCRYPTED_OOXML = "EncryptionInfo".encode("utf-16-le")
LOCKED_MESSAGE = ("The workbook is password-protected. Remove the password (File > Info > "
                    "Protect Workbook in Excel) and upload it again.")


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


class Book:
    """A file opened for reading, its container checked once: its format, its
    sheets, and the rows of any of them (`open`).
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.format = detect_format(data)
        self.sheets: list[str] = []
        self._workbook: Any = None
        if self.format is FileFormat.CSV:
            return
        if self.format is FileFormat.XLS and _ENCRYPTED_OOXML in data:
            raise ImportFileError(FileErrorCode.PASSWORD_PROTECTED, LOCKED_MESSAGE)
        if data.startswith(_ZIP):
            _check_zip(data)
        with _unreadable(self._unreadable):
            self._workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            self.sheets = list(self._workbook.sheet_names)
        if not self.sheets:
            raise ImportFileError(FileErrorCode.CORRUPT_FILE, "The workbook has no sheets.")

    def _unreadable(self, reason: str) -> str:
        return f"The file looks like {self.format.value} but cannot be read: {reason}"

    def open(self, sheet: str | None = None, max_columns: int | None = None) -> OpenedFile:
        """The rows of `sheet` (default: the first); a row of more than
        `max_columns` cells (when given) fails the reading, whichever row it is.
        """
        if self.format is FileFormat.CSV:
            return OpenedFile(self.format, [], None,
                              _checked(_csv_rows(self.data), self.format, max_columns))
        chosen = _pick_sheet(self.sheets, sheet)
        with _unreadable(self._unreadable):
            rows = self._sparse_rows(chosen)
            if rows is None:
                rows = _sheet_rows(self._workbook.get_sheet_by_name(chosen))
        return OpenedFile(self.format, self.sheets, chosen,
                          _checked(rows, self.format, max_columns))

    def _sparse_rows(self, sheet: str) -> Iterator[list[Cell]] | None:
        """The rows of an XLSX sheet whose cells are spread thin, read without
        building its rectangle (see sparse_xlsx); None for any other sheet,
        which calamine reads.
        """
        if self.format is not FileFormat.XLSX:
            return None
        archive = zipfile.ZipFile(io.BytesIO(self.data))
        part = sparse_xlsx.sheet_part(archive, sheet)
        if part is None or part not in archive.namelist():
            return None
        found = sparse_xlsx.extent(archive, part)
        if not found.sparse or found.columns is None:
            return None
        return sparse_xlsx.sheet_rows(archive, part, found.columns[0])


def open_rows(data: bytes, sheet: str | None = None,
              max_columns: int | None = None) -> OpenedFile:
    """The rows of `sheet` (default: the first) of the file in `data`, parsed in
    this process; a row of more than `max_columns` cells (when given) fails the
    reading, whichever row it is. The service reads files through
    importers.isolated.open_rows instead, which parses in a child process.
    """
    return Book(data).open(sheet, max_columns)


def _check_zip(data: bytes) -> None:
    """Refuse a workbook that inflates too far, is encrypted, or declares a DTD."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            declared = sum(entry.file_size for entry in entries)
            _check_inflated(declared, len(data))
            inflated = 0
            for entry in entries:
                if entry.flag_bits & 0x1:
                    raise ImportFileError(FileErrorCode.PASSWORD_PROTECTED, LOCKED_MESSAGE)
                with archive.open(entry) as member:
                    head = member.read(4096)
                    if _DTD.search(head):
                        raise ImportFileError(
                            FileErrorCode.UNSUPPORTED_FILE,
                            f"The workbook's part {entry.filename!r} declares an XML document "
                            "type (DTD), which spreadsheets never need and attacks use; "
                            "it is refused.")
                    inflated += len(head)
                    # zipfile stops at the declared size and checks the CRC, so a
                    # member that holds more than it declares fails here.
                    while chunk := member.read(1024 * 1024):
                        inflated += len(chunk)
                        _check_inflated(inflated, len(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
            ValueError, NotImplementedError) as exc:
        raise ImportFileError(FileErrorCode.CORRUPT_FILE,
                              f"The workbook's zip container is damaged: {_reason(exc)}") from None


def _check_inflated(size: int, compressed: int) -> None:
    if size > MAX_UNCOMPRESSED_BYTES or size > MAX_COMPRESSION_RATIO * compressed:
        raise ImportFileError(
            FileErrorCode.FILE_TOO_LARGE,
            f"The workbook inflates to more than {min(size, MAX_UNCOMPRESSED_BYTES):,} bytes "
            f"from {compressed:,}; a workbook may inflate to "
            f"{MAX_UNCOMPRESSED_BYTES:,} bytes and {MAX_COMPRESSION_RATIO} times its size.")


def _checked(rows: Iterator[list[Cell]], file_format: FileFormat,
             max_columns: int | None = None) -> Iterator[list[Cell]]:
    """`rows`, with any failure while reading them, any cell longer than a
    spreadsheet cell can be, and any row wider than `max_columns`, turned into
    an ImportFileError naming the row.
    """
    number = 0
    with _unreadable(lambda reason: f"The {file_format.value} file cannot be read after row "
                     f"{number}: {reason}"):
        for row in rows:
            number += 1
            if max_columns is not None and len(row) > max_columns:
                raise ImportFileError(
                    FileErrorCode.TOO_MANY_COLUMNS,
                    f"Row {number} has {len(row):,} columns; at most {max_columns:,} are read.")
            if file_format is FileFormat.CSV:  # every cell a str or None: one C-level pass
                too_long = max(map(len, filter(None, row)),  # type: ignore[arg-type]
                               default=0) > MAX_CELL_CHARS
            else:
                too_long = any(type(cell) is str and len(cell) > MAX_CELL_CHARS for cell in row)
            if too_long:
                column, cell = next((n, c) for n, c in enumerate(row)
                                    if isinstance(c, str) and len(c) > MAX_CELL_CHARS)
                raise ImportFileError(
                    FileErrorCode.CELL_TOO_LONG,
                    f"Row {number}, column {column + 1}: the cell holds {len(cell):,} "
                    f"characters; a spreadsheet cell holds at most {MAX_CELL_CHARS:,}.")
            yield row


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


@contextlib.contextmanager
def _unreadable(describe: Callable[[str], str]) -> Iterator[None]:
    """Any failure of a parser inside, as a CORRUPT_FILE worded by `describe(reason)`."""
    try:
        yield
    except ImportFileError:
        raise
    except BaseException as exc:
        if not _reading_failure(exc):
            raise
        raise ImportFileError(FileErrorCode.CORRUPT_FILE, describe(_reason(exc))) from None


def _reading_failure(exc: BaseException) -> bool:
    """Whether `exc` says the file is unreadable (not that the process is stopping).
    calamine's Rust panics on malformed files arrive as pyo3's PanicException,
    which is a BaseException and cannot be imported by name.
    """
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _reason(exc: BaseException) -> str:
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
    encoding = _single_byte_encoding(data)
    not_text = ImportFileError(
        FileErrorCode.CORRUPT_FILE,
        f"The file is not UTF-8 text, and read as {encoding} it holds bytes no text has. "
        "Save it as CSV UTF-8 and upload it again.")
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise not_text from None
    if _CONTROL.search(text):
        raise not_text
    return text


# Code pages a western text is wrongly taken for: Baltic, Central European,
# Nordic and DOS ones.
_WESTERN_LOOKALIKES = ("cp775", "cp850", "cp852", "cp857", "cp858", "cp437", "cp1250",
                       "cp1257", "cp1258", "iso8859_2", "iso8859_4", "iso8859_10",
                       "iso8859_13", "iso8859_15", "latin_1", "hp_roman8", "mac_latin2",
                       "mac_iceland", "mac_roman", "mac_turkish", "cp1254", "iso8859_9")


def _single_byte_encoding(data: bytes) -> str:
    """The code page of a text file that is not UTF-8.

    A classic Mac file (Excel for Mac's "CSV", lines ending in CR alone) is Mac
    Roman. Otherwise Windows' western code page, by far the most common source of
    non-UTF-8 spreadsheets, whenever it reads the bytes cleanly and no worse than
    any other: a western text also "fits" Baltic, Central European and DOS code
    pages, and charset_normalizer's language guess on short texts often prefers
    them ("Café" read as "Cafķ").
    """
    if b"\r" in data and b"\n" not in data and _reads_cleanly(data, "mac_roman"):
        return "mac_roman"
    # UTF-16 and UTF-32 without a BOM are only guesses, and wrong ones for
    # broken UTF-8 (which then reads as CJK); single-byte code pages remain.
    matches = [m for m in from_bytes(data[:1_000_000]) if not m.encoding.startswith("utf_")]
    best = matches[0] if matches else None
    if best is None or not _reads_cleanly(data, "cp1252"):
        return best.encoding if best is not None else "cp1252"
    western = next((m for m in matches if m.encoding == "cp1252"), None)
    if (western is not None and western.chaos <= best.chaos) or best.encoding.startswith(
            _WESTERN_LOOKALIKES):
        return "cp1252"
    # cp1252 reads every byte, so a Cyrillic or Greek text "reads cleanly" too;
    # when the detector rules cp1252 out, its pick stands.
    return best.encoding


def _reads_cleanly(data: bytes, encoding: str) -> bool:
    try:
        return not _CONTROL.search(data.decode(encoding))
    except UnicodeDecodeError:
        return False


def _csv_rows(data: bytes) -> Iterator[list[Cell]]:
    text = _decode(data)
    nul = text.find("\x00")
    if nul != -1:
        raise ImportFileError(
            FileErrorCode.UNSUPPORTED_FILE,
            f"The file holds binary data, not CSV text (a NUL byte on line "
            f"{text.count(chr(10), 0, nul) + 1}).")
    sample = text[:64_000]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first_line = sample.splitlines()[0] if sample else ""
        delimiter = max(_DELIMITERS, key=first_line.count)
    for row in csv.reader(_lines(text), delimiter=delimiter):
        yield [cell if cell.strip() else None for cell in row]


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their endings, one at a time. (io.StringIO would
    hold a second copy of the whole file at four bytes a character.)
    """
    end_of_line = "\n" if "\n" in text else "\r"  # old Mac files end lines with CR alone
    start = 0
    while start < len(text):
        end = text.find(end_of_line, start)
        end = len(text) if end == -1 else end + 1
        yield text[start:end]
        start = end

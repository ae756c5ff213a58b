"""Reading files in a child process, which streams their rows back: the service
never parses an upload in its own process.

Parsing is where an upload costs memory and time: calamine (Rust) holds a whole
sheet in memory, can loop forever on some malformed workbooks (found by
tests/security/test_fuzz_readers.py: a damaged ODS content.xml), and a thread
stuck in native code cannot be stopped. A child process can: it runs under an
address-space limit and a CPU-time limit, the service waits for it to open the
file (and for each batch after) for at most a time that grows with the file's
size, and if it runs over, dies or sends something that is not rows, the file
is refused and nothing else waits on it.

The child reads the file once (its zip checked once), then sends its sheets and
the rows of one sheet in batches over a pipe. The service holds one batch at a
time, so what an upload costs the service is its bytes and a batch, however big
the sheet (tests/security/test_service_memory.py). When the reader stops early,
the child is killed.

    python -m importers.isolated  <options as a JSON line, then the file's bytes, on stdin>
"""

import io
import json
import os
import pickle
import resource
import select
import struct
import subprocess
import sys
import time
import weakref
from collections.abc import Iterator
from typing import Any, BinaryIO

from importers.errors import FileErrorCode, ImportFileError
from importers.readers import Book, Cell, FileFormat, OpenedFile, detect_format

# Seconds a file may take to parse: a base, and more for bigger files.
BASE_SECONDS = 60.0
SECONDS_PER_MB = 3.0
ADDRESS_SPACE_BYTES = 6 * 1024**3
# A batch of rows is sent when it has this many rows or cells, and split while
# it is bigger than BATCH_BYTES: what the service holds of a sheet at a time.
BATCH_ROWS = 1_000
BATCH_CELLS = 50_000
BATCH_BYTES = 8 * 1024 * 1024
_FRAME_HEADER = struct.Struct(">I")
# A frame bigger than this is not one the child sends (a batch is cut well before).
_MAX_FRAME = 256 * 1024 * 1024

FAILED_MESSAGE = ("Reading the workbook failed (it needed more memory than a workbook may, or "
                  "is damaged). Open it in Excel or LibreOffice, save it again and upload "
                  "that copy.")


def parse_seconds(size: int) -> float:
    return BASE_SECONDS + SECONDS_PER_MB * size / 1024**2


def _too_slow(limit: float) -> ImportFileError:
    return ImportFileError(
        FileErrorCode.CORRUPT_FILE,
        f"The workbook could not be read in {limit:.0f} seconds; it is probably damaged. "
        "Open it in Excel or LibreOffice, save it again and upload that copy.")


def _options(sheet: str | None, max_columns: int | None, check: bool, rows: bool) -> bytes:
    return json.dumps({"sheet": sheet, "max_columns": max_columns, "check": check,
                       "rows": rows}).encode() + b"\n"


async def check_readable(data: bytes, seconds: float | None = None) -> None:
    """Raise ImportFileError unless every sheet of the workbook in `data` parses
    in a child process within `seconds` (default: by its size). The service
    uses open_rows(check=True) instead, which checks the same in the child that
    then streams the rows.
    """
    import asyncio  # here: the child, which imports this module, has no use for it

    if detect_format(data) is FileFormat.CSV:
        return
    limit = parse_seconds(len(data)) if seconds is None else seconds
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "importers.isolated", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    try:
        output, _ = await asyncio.wait_for(
            child.communicate(_options(None, None, True, False) + data), limit)
    except TimeoutError:
        child.kill()
        await child.wait()
        raise _too_slow(limit) from None
    frames = _frames_of(output)
    if child.returncode != 0 or not frames or frames[-1][0] != "end":
        raise ImportFileError(FileErrorCode.CORRUPT_FILE, FAILED_MESSAGE)
    for frame in frames:
        if frame[0] == "error":
            raise ImportFileError(FileErrorCode(frame[1]), frame[2])


def open_rows(data: bytes, sheet: str | None = None, max_columns: int | None = None,
              check: bool = False, seconds: float | None = None) -> OpenedFile:
    """The rows of `sheet` (default: the first) of the file in `data`, parsed in a
    child process and streamed from it; a row of more than `max_columns` cells
    (when given) fails the reading, whichever row it is. With `check`, every
    sheet is parsed through before any row comes (refusing a damaged workbook
    early). Blocking: callers run it in a thread, off the event loop.
    """
    limit = parse_seconds(len(data)) if seconds is None else seconds
    child = subprocess.Popen(
        [sys.executable, "-m", "importers.isolated"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    stream = _Stream(child, limit)
    try:
        assert child.stdin is not None
        try:
            child.stdin.write(_options(sheet, max_columns, check, True))
            child.stdin.write(data)
            child.stdin.close()
        except (BrokenPipeError, OSError):
            pass  # the child is gone: reading its answer says so
        first = stream.frame()
        if first[0] == "error":
            raise ImportFileError(FileErrorCode(first[1]), first[2])
        if first[0] != "opened":
            raise ImportFileError(FileErrorCode.CORRUPT_FILE, FAILED_MESSAGE)
        _, file_format, sheets, chosen = first
    except BaseException:
        stream.close()
        raise
    rows = stream.rows()
    # However the reader leaves the rows (read to the end, stopped early, or
    # never started), the child ends with them.
    weakref.finalize(rows, _end, child)
    return OpenedFile(FileFormat(file_format), sheets, chosen, rows)


def _end(child: "subprocess.Popen[bytes]") -> None:
    if child.poll() is None:
        child.kill()
    child.wait()
    if child.stdout is not None:
        child.stdout.close()


class _Stream:
    """The frames a reading child sends. The file must open (be parsed, with
    every sheet when checked) within the time limit, and each batch after it
    come within the limit again: the reader's own time between frames is not
    counted, nor is a big sheet's streaming held to one parse's time.
    """

    def __init__(self, child: "subprocess.Popen[bytes]", limit: float) -> None:
        self.child = child
        self.limit = limit
        self.left = limit
        assert child.stdout is not None
        self.fd = child.stdout.fileno()

    def close(self) -> None:
        _end(self.child)

    def _read(self, size: int) -> bytes:
        chunks: list[bytes] = []
        while size:
            started = time.monotonic()
            ready, _, _ = select.select([self.fd], [], [], max(self.left, 0))
            self.left -= time.monotonic() - started
            if not ready:
                self.close()
                raise _too_slow(self.limit)
            chunk = os.read(self.fd, min(size, 1024 * 1024))
            if not chunk:
                self.close()
                raise ImportFileError(FileErrorCode.CORRUPT_FILE, FAILED_MESSAGE)
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def frame(self) -> tuple[Any, ...]:
        (size,) = _FRAME_HEADER.unpack(self._read(_FRAME_HEADER.size))
        if size > _MAX_FRAME:
            self.close()
            raise ImportFileError(FileErrorCode.CORRUPT_FILE, FAILED_MESSAGE)
        frame = _load(self._read(size))
        self.left = self.limit
        return frame

    def rows(self) -> Iterator[list[Cell]]:
        try:
            while True:
                frame = self.frame()
                if frame[0] == "rows":
                    yield from frame[1]
                elif frame[0] == "end":
                    return
                elif frame[0] == "error":
                    raise ImportFileError(FileErrorCode(frame[1]), frame[2])
                else:
                    raise ImportFileError(FileErrorCode.CORRUPT_FILE, FAILED_MESSAGE)
        finally:
            self.close()


class _CellsOnly(pickle.Unpickler):
    """Unpickles rows of cells and nothing else: the child parses hostile files,
    so what it sends is held to the types a cell can have.
    """

    _ALLOWED = {("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"),
                ("datetime", "timedelta")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell")


def _load(payload: bytes) -> tuple[Any, ...]:
    try:
        frame = _CellsOnly(io.BytesIO(payload)).load()
    except Exception:
        raise ImportFileError(FileErrorCode.CORRUPT_FILE, FAILED_MESSAGE) from None
    if not isinstance(frame, tuple) or not frame:
        raise ImportFileError(FileErrorCode.CORRUPT_FILE, FAILED_MESSAGE)
    return frame


def _frames_of(output: bytes) -> list[tuple[Any, ...]]:
    frames = []
    at = 0
    try:
        while at < len(output):
            (size,) = _FRAME_HEADER.unpack_from(output, at)
            at += _FRAME_HEADER.size
            frames.append(_load(output[at:at + size]))
            at += size
    except (struct.error, ImportFileError):
        return []
    return frames


# The child.

def _send(out: BinaryIO, frame: tuple[Any, ...]) -> None:
    payload = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_FRAME_HEADER.pack(len(payload)))
    out.write(payload)


def _send_batch(out: BinaryIO, batch: list[list[Cell]]) -> None:
    """A batch of rows, in halves while it pickles bigger than BATCH_BYTES
    (long texts): a row alone always goes.
    """
    payload = pickle.dumps(("rows", batch), protocol=pickle.HIGHEST_PROTOCOL)
    if len(payload) > BATCH_BYTES and len(batch) > 1:
        half = len(batch) // 2
        _send_batch(out, batch[:half])
        _send_batch(out, batch[half:])
        return
    out.write(_FRAME_HEADER.pack(len(payload)))
    out.write(payload)


def _send_rows(out: BinaryIO, rows: Iterator[list[Cell]]) -> None:
    """`rows` in batches; the rows read before a failure are sent before it, so
    the reader meets the failure at the row it happened, as reading in process.
    """
    batch: list[list[Cell]] = []
    cells = 0
    try:
        for row in rows:
            if not any(c is not None for c in row):
                row = []  # a blank row, however wide calamine's rectangle made it
            batch.append(row)
            cells += len(row)
            if len(batch) >= BATCH_ROWS or cells >= BATCH_CELLS:
                _send_batch(out, batch)
                batch = []
                cells = 0
    finally:
        if batch:
            _send_batch(out, batch)


def _serve(options: dict[str, Any], data: bytes, out: BinaryIO) -> None:
    book = Book(data)
    opened = book.open(options["sheet"], options["max_columns"]) if options["rows"] else None
    if options["check"]:  # every other sheet parsed through (the chosen one is read below)
        for sheet in book.sheets:
            if opened is None or sheet != opened.sheet:
                for _ in book.open(sheet).rows:
                    pass
    if opened is None:
        return
    _send(out, ("opened", opened.format.value, opened.sheets, opened.sheet))
    _send_rows(out, opened.rows)


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))
    options = json.loads(sys.stdin.buffer.readline())
    data = sys.stdin.buffer.read()
    # A backstop for the parent's own time limit: a parse stuck in native code
    # uses CPU, a child waiting for its reader does not.
    cpu = 2 * int(parse_seconds(len(data)))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    out = sys.stdout.buffer
    try:
        try:
            _serve(options, data, out)
        except ImportFileError as exc:
            _send(out, ("error", exc.code.value, exc.message))
        _send(out, ("end",))
        out.flush()
    except BrokenPipeError:  # the reader stopped early and went away
        os._exit(0)


if __name__ == "__main__":
    main()

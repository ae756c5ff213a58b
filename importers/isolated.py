"""Parsing a workbook once in a child process, with a time and memory limit,
before the service parses it itself.

calamine (Rust) can loop forever on some malformed workbooks (found by
tests/security/test_fuzz_readers.py: a damaged ODS content.xml), and a thread
stuck in native code cannot be stopped. A child process can: if it does not
finish in time, or dies, the file is refused and nothing else waits on it.
calamine parses a whole sheet when it is opened, so once every sheet has parsed
in the child, parsing the same bytes again in the service is safe.

CSV is read by Python's csv module, which always ends, so it skips this step.

    python -m importers.isolated  <workbook bytes on stdin>
"""

import asyncio
import json
import resource
import sys

from importers.errors import FileErrorCode, ImportFileError
from importers.readers import FileFormat, check_extents, detect_format, open_rows

# Seconds a workbook may take to parse: a base, and more for bigger files.
BASE_SECONDS = 60.0
SECONDS_PER_MB = 3.0
ADDRESS_SPACE_BYTES = 6 * 1024**3


def parse_seconds(size: int) -> float:
    return BASE_SECONDS + SECONDS_PER_MB * size / 1024**2


async def check_readable(data: bytes, seconds: float | None = None) -> None:
    """Raise ImportFileError unless every sheet of the workbook in `data` parses
    in a child process within `seconds` (default: by its size).
    """
    if detect_format(data) is FileFormat.CSV:
        return
    limit = parse_seconds(len(data)) if seconds is None else seconds
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "importers.isolated", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    try:
        output, _ = await asyncio.wait_for(child.communicate(data), limit)
    except TimeoutError:
        child.kill()
        await child.wait()
        raise ImportFileError(
            FileErrorCode.CORRUPT_FILE,
            f"The workbook could not be read in {limit:.0f} seconds; it is probably damaged. "
            "Open it in Excel or LibreOffice, save it again and upload that copy.") from None
    if child.returncode != 0:
        raise ImportFileError(
            FileErrorCode.CORRUPT_FILE,
            "Reading the workbook failed (it needed more memory than a workbook may, or is "
            "damaged). Open it in Excel or LibreOffice, save it again and upload that copy.")
    answer = json.loads(output)
    if answer is not None:
        raise ImportFileError(FileErrorCode(answer["code"]), answer["message"])


def _parse_everything(data: bytes) -> None:
    check_extents(data)  # before calamine builds any sheet's rectangle
    opened = open_rows(data)  # the first sheet, parsed once
    for _ in opened.rows:
        pass
    for sheet in opened.sheets[1:]:
        for _ in open_rows(data, sheet).rows:
            pass


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))
    data = sys.stdin.buffer.read()
    try:
        _parse_everything(data)
    except ImportFileError as exc:
        print(json.dumps({"code": exc.code.value, "message": exc.message}))
        return
    print(json.dumps(None))


if __name__ == "__main__":
    main()

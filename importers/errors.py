"""Errors of reading a file: the whole file is refused with a code and a reason."""

from enum import StrEnum


class FileErrorCode(StrEnum):
    UNSUPPORTED_FILE = "UNSUPPORTED_FILE"
    CORRUPT_FILE = "CORRUPT_FILE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    SHEET_NOT_FOUND = "SHEET_NOT_FOUND"
    TOO_MANY_COLUMNS = "TOO_MANY_COLUMNS"
    TOO_MANY_ROWS = "TOO_MANY_ROWS"
    PASSWORD_PROTECTED = "PASSWORD_PROTECTED"  # noqa: S105 -- a code, not a password
    CELL_TOO_LONG = "CELL_TOO_LONG"


class ImportFileError(Exception):
    def __init__(self, code: FileErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

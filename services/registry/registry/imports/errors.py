"""Refusals of a whole import file, each with its HTTP status and a stable ``code``. Through the API nothing
of such a file is imported (the request's one transaction rolls back); the command-line tool keeps the chunks it
committed before a damaged part of the file, which a re-run then finds unchanged.

Problems of single rows are not errors: they are reported per line in the import's answer.
"""

from typing import Any

from cekit.problems import DomainError


class ImportFileError(DomainError):
    """The file cannot be imported; the command-line tool exits with 2 on any of these."""


class FileTooLarge(ImportFileError):
    status, code, title = 413, "file_too_large", "Import file too large"

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(
            f"An import file may have at most {limit_bytes // (1024 * 1024)} MiB; split it, or use the "
            "command-line tool (python -m registry.cli import-...).",
            limit_bytes=limit_bytes,
        )


class UnsupportedFileType(ImportFileError):
    status, code, title = 415, "unsupported_file_type", "Unsupported import file type"


class UnreadableFile(ImportFileError):
    """Not a CSV file in UTF-8 or GB18030, not an XLSX workbook, or without a header row.

    ``code``: ``unreadable_file`` or ``missing_header``."""

    status, code, title = 422, "unreadable_file", "Unreadable import file"


class BadHeader(ImportFileError):
    """The header row names columns the import does not know, or lacks required ones; ``errors`` lists each."""

    status, code, title = 422, "bad_header", "Wrong columns in the header row"

    def __init__(self, detail: str, errors: list[dict[str, Any]], *, expected: list[str]) -> None:
        super().__init__(detail, errors=errors, expected_columns=expected)


class TooManyRows(ImportFileError):
    status, code, title = 422, "too_many_rows", "Too many rows in the import file"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"An import file may have at most {limit:,} data rows; split it, or use the command-line tool "
            "(python -m registry.cli import-...), which has no such limit.",
            limit=limit,
        )

"""Import files as a header and data rows, each row with the line number a person sees (the header is line 1).

CSV: comma separated, UTF-8 with or without a byte-order mark (Excel writes one), else GB18030 (what a Chinese
Excel saves as "CSV" by default). The line of a row is the physical line it starts on in a text editor, so a
quoted value spanning lines does not shift the numbers of the rows after it off what the editor shows.

XLSX: the first worksheet, read streaming (``read_only``), cached values rather than formulas. Its line is the
spreadsheet's row number. Cells keep their type (numbers stay numbers): whether a number is acceptable in a
column is the import's business, not the reader's.

Rows with no value at all are skipped (spreadsheets and exports are full of them) and are not counted.
"""

import csv
import io
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import islice

# openpyxl ships no type information (and types-openpyxl is not a pinned dependency).
from openpyxl import load_workbook  # type: ignore[import-untyped]
from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

from registry.imports.errors import TooManyRows, UnreadableFile, UnsupportedFileType

CellValue = str | int | float | bool | datetime | date | time | timedelta | None

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ZIP_MAGIC = b"PK\x03\x04"


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


MEDIA_TYPES = {CSV_TYPE: FileFormat.CSV, XLSX_TYPE: FileFormat.XLSX}
EXTENSIONS = {".csv": FileFormat.CSV, ".xlsx": FileFormat.XLSX}


@dataclass(frozen=True)
class SourceRow:
    line: int
    cells: tuple[CellValue, ...]


@dataclass
class Table:
    """The header's column names (stripped, trailing empty cells dropped) and the data rows, read lazily."""

    header: list[str]
    rows: Iterator[SourceRow]
    header_line: int
    row_count_hint: int | None = None  # for a progress bar; may count blank rows
    _close: Callable[[], None] = field(default=lambda: None, repr=False)

    def close(self) -> None:
        self._close()


def format_of_media_type(content_type: str | None) -> tuple[FileFormat, str | None]:
    """The format and the declared charset (CSV) of a ``Content-Type`` header; 415 for anything else."""
    media_type, _, parameters = (content_type or "").partition(";")
    media_type = media_type.strip().lower()
    fmt = MEDIA_TYPES.get(media_type)
    if fmt is None:
        raise UnsupportedFileType(
            f"Send the file as the request body with Content-Type {CSV_TYPE} or {XLSX_TYPE}"
            + (f", not {media_type}." if media_type else ".")
        )
    charset = None
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    return fmt, charset


def read_table(data: bytes, fmt: FileFormat, *, charset: str | None = None) -> Table:
    if fmt is FileFormat.XLSX:
        return _read_xlsx(data)
    if data.startswith(_ZIP_MAGIC):  # the usual mistake: a workbook sent or named as CSV
        raise UnreadableFile(f"This is an XLSX workbook, not a CSV file: send it with Content-Type {XLSX_TYPE}.")
    return _read_csv(_decode(data, charset))


def bounded(rows: Iterator[SourceRow], limit: int) -> list[SourceRow]:
    """All rows, or ``TooManyRows`` as soon as there are more than ``limit`` (without reading the rest)."""
    taken = list(islice(rows, limit + 1))
    if len(taken) > limit:
        raise TooManyRows(limit)
    return taken


# ---- CSV -------------------------------------------------------------------------------------------------
def _decode(data: bytes, charset: str | None) -> str:
    if charset is not None:
        try:
            return data.decode(charset).removeprefix("\ufeff")
        except LookupError:
            raise UnreadableFile(f"The declared charset {charset!r} is not one this service knows.") from None
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"The file is not valid {charset} (byte {exc.start}).") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312, so this reads every Chinese "ANSI" export.
        return data.decode("gb18030").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise UnreadableFile("The CSV file is neither UTF-8 nor GB18030 text: save it as CSV UTF-8.") from None


def _read_csv(text: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    header_line, header = 0, None
    try:
        for record in reader:
            header_line = reader.line_num
            if any(cell.strip() for cell in record):
                header = record
                break
    except csv.Error as exc:
        raise UnreadableFile(f"Line {reader.line_num} is not valid CSV: {exc}.") from None
    if header is None:
        raise UnreadableFile("The file is empty: the first line must name the columns.", code="missing_header")
    # A quick second pass only counts (C speed); it lets a progress bar show how far along an import is.
    try:
        hint = max(sum(1 for _ in csv.reader(io.StringIO(text, newline=""))) - header_line, 0)
    except csv.Error:
        hint = None  # the real pass reports where the file breaks

    def rows() -> Iterator[SourceRow]:
        previous = reader.line_num
        try:
            for record in reader:
                line, previous = previous + 1, reader.line_num
                if any(cell.strip() for cell in record):
                    yield SourceRow(line, tuple(record))
        except csv.Error as exc:
            raise UnreadableFile(f"Line {previous + 1} is not valid CSV: {exc}.") from None

    return Table(_column_names(header), rows(), header_line, hint)


# ---- XLSX ------------------------------------------------------------------------------------------------
def _read_xlsx(data: bytes) -> Table:
    if not data.startswith(_ZIP_MAGIC):
        raise UnreadableFile("The file is not an XLSX workbook (an old .xls or a CSV?): save it as .xlsx.")
    try:
        with warnings.catch_warnings():
            # openpyxl warns about workbook features it drops (data validation, conditional formats): irrelevant.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, TypeError) as exc:
        raise UnreadableFile(f"The XLSX workbook cannot be read: {exc}.") from None
    if not workbook.worksheets:
        workbook.close()
        raise UnreadableFile("The workbook has no worksheet.", code="missing_header")
    sheet = workbook.worksheets[0]
    declared_rows = getattr(sheet, "max_row", None)
    # The dimension a file declares is sometimes wrong (other tools write "A1"); trusting it would silently
    # cut rows off, so the whole sheet is read and the dimension is only a hint for the progress bar.
    sheet.reset_dimensions()
    cells = _xlsx_rows(sheet.iter_rows(values_only=True))
    header_line, header = 0, None
    for line, values in cells:
        if any(_present(value) for value in values):
            header_line, header = line, values
            break
    if header is None:
        workbook.close()
        raise UnreadableFile(
            "The first worksheet is empty: its first row must name the columns.", code="missing_header"
        )

    def rows() -> Iterator[SourceRow]:
        for line, values in cells:
            if any(_present(value) for value in values):
                yield SourceRow(line, values)

    names = _column_names(["" if value is None else str(value) for value in header])
    hint = declared_rows - header_line if isinstance(declared_rows, int) and declared_rows > header_line else None
    return Table(names, rows(), header_line, hint, workbook.close)


def _xlsx_rows(source: Iterator[tuple[object, ...]]) -> Iterator[tuple[int, tuple[CellValue, ...]]]:
    line = 0
    try:
        for line, values in enumerate(source, start=1):
            yield line, tuple(_cell(value) for value in values)
    except UnreadableFile:
        raise
    except Exception as exc:
        # A damaged sheet fails inside openpyxl's XML parser with whatever that raises; the client needs to
        # know where, not the parser's exception type.
        raise UnreadableFile(f"The worksheet cannot be read after row {line}: {exc}.") from None


def _cell(value: object) -> CellValue:
    if value is None or isinstance(value, str | int | float | bool | datetime | date | time | timedelta):
        return value
    return str(value)


def _present(value: CellValue) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _column_names(cells: list[str]) -> list[str]:
    names = [cell.strip() for cell in cells]
    while names and not names[-1]:
        names.pop()
    return names

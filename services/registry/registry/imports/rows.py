"""From a file's header and cells to the fields of the single-object API, with every problem of a row as a
``RowError`` on its line. Pure: no I/O.

The column names are the API's field names, so one document describes both; the values go through the
API's own request models (``PersonCreate``, ``EmployerCreate``, ...), so a row is valid exactly when the same
object posted alone would be.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from registry.imports.errors import BadHeader
from registry.imports.readers import CellValue, SourceRow

M = TypeVar("M", bound=BaseModel)

MISSING_VALUE = "missing_value"
NOT_TEXT = "not_text"
INVALID_VALUE = "invalid_value"
EXTRA_VALUES = "extra_values"


@dataclass(frozen=True)
class RowError:
    """Why one row was not imported. ``reason`` never repeats an ID number."""

    line: int
    code: str
    reason: str
    field: str | None = None


@dataclass(frozen=True)
class Columns:
    """The columns of one kind of import, in the order the documentation lists them."""

    names: tuple[str, ...]
    optional: frozenset[str] = frozenset()
    # Identifiers longer than a spreadsheet number's 15 significant digits: a number cell has already lost
    # digits (or the leading zero, or the X), so it is refused rather than guessed at.
    text_only: dict[str, str] = field(default_factory=dict)  # column -> what to call its values in a reason

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(name for name in self.names if name not in self.optional)


def column_positions(header: list[str], columns: Columns, header_line: int) -> dict[str, int]:
    """Where each column is; ``BadHeader`` listing every unknown, repeated, unnamed or missing column."""
    positions: dict[str, int] = {}
    errors: list[dict[str, Any]] = []
    for index, raw in enumerate(header):
        name = raw.lower()
        where = f"column {column_letter(index)}"
        if not name:
            errors.append(_header_error("", "unnamed_column", f"{where} has no name but the columns after it do."))
        elif name not in columns.names:
            errors.append(_header_error(raw, "unknown_column", f"{where}: {raw!r} is not a column of this import."))
        elif name in positions:
            errors.append(_header_error(raw, "duplicate_column", f"{where}: {name!r} appears more than once."))
        else:
            positions[name] = index
    for name in columns.required:
        if name not in positions:
            errors.append(_header_error(name, "missing_column", f"The column {name!r} is required."))
    if errors:
        listed = " ".join(error["message"] for error in errors)
        raise BadHeader(
            f"The header row (line {header_line}) must name the columns {', '.join(columns.names)}"
            f"{_optional_note(columns)}: {listed}",
            errors,
            expected=list(columns.names),
        )
    return positions


def row_texts(row: SourceRow, positions: dict[str, int], columns: Columns) -> tuple[dict[str, str], list[RowError]]:
    """The row's values as text by column (empty cells: ""), and the problems found on the way."""
    problems: list[RowError] = []
    width = max(positions.values(), default=-1) + 1
    if any(_present(value) for value in row.cells[width:]):
        problems.append(
            RowError(
                row.line,
                EXTRA_VALUES,
                f"The row has more values than the header has columns ({width}): is there an unquoted comma "
                "in a value?",
            )
        )
    texts: dict[str, str] = {}
    for name, index in positions.items():
        value = row.cells[index] if index < len(row.cells) else None
        if name in columns.text_only and isinstance(value, int | float) and not isinstance(value, bool):
            what = columns.text_only[name]
            problems.append(
                RowError(
                    row.line,
                    NOT_TEXT,
                    f"{what} must be stored as text in the spreadsheet: as a number it has lost digits. Format "
                    "the column as Text (or type ' before the value) and enter it again.",
                    name,
                )
            )
            texts[name] = ""
            continue
        texts[name] = _text(value)
        if not texts[name] and name not in columns.optional:
            problems.append(RowError(row.line, MISSING_VALUE, f"{name} is empty.", name))
    return texts, problems


def validate(model: type[M], texts: dict[str, str], line: int, *, flagged: set[str]) -> tuple[M | None, list[RowError]]:
    """The API's request model of the row, or the problems with its values.

    Columns already ``flagged`` (empty, a number where text is needed) are left out and not reported again;
    the others are still checked, so one pass shows every problem of the row. Empty optional columns are left
    out too, so they take the model's default, as in a JSON body without them.
    """
    values = {name: text for name, text in texts.items() if text and name not in flagged}
    try:
        instance = model.model_validate(values)
    except ValidationError as exc:
        problems: list[RowError] = []
        for error in exc.errors(include_input=False, include_url=False):
            name = str(error["loc"][0]) if error["loc"] else None
            if name in flagged or error["type"] == "missing":  # missing values are already flagged
                continue
            problems.append(RowError(line, INVALID_VALUE, f"{name}: {error['msg']}." if name else error["msg"], name))
        return None, problems
    return (None if flagged else instance), []


def _text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a region code typed as a number: 130102.0 is 130102
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _present(value: CellValue) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def column_letter(index: int) -> str:
    """The spreadsheet name of the column at 0-based ``index``: A, B, ..., Z, AA, ..."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _header_error(name: str, code: str, message: str) -> dict[str, Any]:
    return {"field": name, "in": "header", "code": code, "message": message}


def _optional_note(columns: Columns) -> str:
    return f" ({', '.join(sorted(columns.optional))} optional)" if columns.optional else ""

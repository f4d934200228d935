"""Routes of the bulk imports: the file is the raw request body (no multipart), CSV or XLSX by Content-Type.

Who may call each route is declared on it: the roles of the single-object registration (``registry.policy``).
Which rows a caller may import is then decided per row by the same scope rules (``outside_scope``).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.auth import require_roles
from cekit.db import SessionDep
from cekit.pii import PiiCipher
from cekit.problems import problem_responses
from cekit.tokens import Principal
from registry import policy
from registry.deps import CipherDep
from registry.imports.errors import FileTooLarge
from registry.imports.importer import ImportReport
from registry.imports.readers import CSV_TYPE, XLSX_TYPE, FileFormat, format_of_media_type, read_table
from registry.imports.schemas import ImportResult, RowErrorOut
from registry.imports.service import COLUMNS, ImportKind, import_table

router = APIRouter(tags=["imports"])

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000

PersonImporter = Annotated[Principal, Depends(require_roles(*policy.PERSON_REGISTRARS))]
OrganisationImporter = Annotated[Principal, Depends(require_roles(*policy.ORGANISATION_MANAGERS))]

_RESPONSES = problem_responses(401, 403, 413, 415, 422)
_FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the file itself, as the whole body",
        "content": {
            CSV_TYPE: {"schema": {"type": "string"}},
            XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _description(kind: ImportKind, who: str) -> str:
    columns = COLUMNS[kind]
    optional = f" (`{'`, `'.join(sorted(columns.optional))}` may be left out)" if columns.optional else ""
    text_only = ", ".join(f"`{name}`" for name in columns.text_only)
    return f"""{who}

**The file is the request body**, not a multipart form, with `Content-Type: {CSV_TYPE}` (comma separated; UTF-8
with or without a byte-order mark, else GB18030; a `charset` parameter is honoured) or `Content-Type: {XLSX_TYPE}`
(the first worksheet). At most {MAX_FILE_BYTES // (1024 * 1024)} MiB (else 413 `file_too_large`) and {MAX_ROWS:,}
data rows (else 422 `too_many_rows`); larger files: `python -m registry.cli import-{kind.value}`.

The first row names the columns, by their field names in `POST /v1/{kind.value}`, in any order:
`{"`, `".join(columns.names)}`{optional}. A missing, unknown or repeated column is a 422 `bad_header` listing
each. In a worksheet, {text_only} must be text cells: a number cell has lost digits (`not_text`). Rows without
any value are skipped. On a 4xx nothing is imported.

Every row is settled on its own, with the checks of `POST /v1/{kind.value}`: **created**; **unchanged** when it is
already registered with the same data; or **rejected**, with its line as an editor or spreadsheet shows it (the
header is line 1) and the reason, in `errors`. One registered with other data is rejected as `conflict`: an
import never changes what is registered. A key twice in the file: the later line is rejected
(`duplicate_in_file`). So importing the same file again creates nothing. Rows outside the caller's scope are
rejected as `outside_scope`. Everything created is audited as if registered alone."""


@router.post(
    "/v1/imports/persons",
    summary="Import people from a CSV or XLSX file (admin; HR official, its region; employer's admin, own staff)",
    description=_description(
        ImportKind.PERSONS,
        "An employer's admin imports its own staff: `employer_id` empty (its own) or its own id.",
    ),
    response_model=ImportResult,
    responses=_RESPONSES,
    openapi_extra=_FILE_BODY,
)
async def import_persons(
    request: Request, actor: PersonImporter, session: SessionDep, cipher: CipherDep
) -> ImportResult:
    return await _import(request, session, ImportKind.PERSONS, actor, cipher)


@router.post(
    "/v1/imports/employers",
    summary="Import employers from a CSV or XLSX file (admin; HR official, its region)",
    description=_description(ImportKind.EMPLOYERS, "Employers (用人单位), one per credit code."),
    response_model=ImportResult,
    responses=_RESPONSES,
    openapi_extra=_FILE_BODY,
)
async def import_employers(request: Request, actor: OrganisationImporter, session: SessionDep) -> ImportResult:
    return await _import(request, session, ImportKind.EMPLOYERS, actor)


@router.post(
    "/v1/imports/institutions",
    summary="Import training institutions from a CSV or XLSX file (admin; HR official, its region)",
    description=_description(ImportKind.INSTITUTIONS, "Training institutions (施教机构), one per credit code."),
    response_model=ImportResult,
    responses=_RESPONSES,
    openapi_extra=_FILE_BODY,
)
async def import_institutions(request: Request, actor: OrganisationImporter, session: SessionDep) -> ImportResult:
    return await _import(request, session, ImportKind.INSTITUTIONS, actor)


async def _import(
    request: Request, session: AsyncSession, kind: ImportKind, actor: Principal, cipher: PiiCipher | None = None
) -> ImportResult:
    data, fmt, charset = await _read_body(request)
    table = read_table(data, fmt, charset=charset)
    try:
        report = await import_table(session, kind, table, actor=actor, cipher=cipher, max_rows=MAX_ROWS)
    finally:
        table.close()
    return _result(report)


async def _read_body(request: Request) -> tuple[bytes, FileFormat, str | None]:
    """The body, refused as soon as it is known to be too large (declared, or once that much has arrived)."""
    fmt, charset = format_of_media_type(request.headers.get("content-type"))
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FILE_BYTES:
        raise FileTooLarge(MAX_FILE_BYTES)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise FileTooLarge(MAX_FILE_BYTES)
        chunks.append(chunk)
    return b"".join(chunks), fmt, charset


def _result(report: ImportReport) -> ImportResult:
    return ImportResult(
        total_rows=report.total_rows,
        created=report.created,
        unchanged=report.unchanged,
        rejected=report.rejected,
        errors=[RowErrorOut(line=e.line, field=e.field, code=e.code, reason=e.reason) for e in report.errors],
    )

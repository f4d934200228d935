"""``python -m registry.cli import-persons|import-employers|import-institutions FILE``: the imports of the API,
for operators, on the database of the service's settings (``REGISTRY_DATABASE_URL``, ``REGISTRY_PII_KEYS_FILE``).

The tool acts as the platform admin, audited as ``cli:<os user>``. It has no size or row limit (that is what it
is for) and commits every chunk of rows, so a huge file is not one giant transaction; an interrupted run is
simply run again: what went in is ``unchanged`` the second time.

Output: a progress bar (rows) on stderr; each rejected row on stdout (or, with ``--errors-csv PATH``, in that
CSV file), then the summary. Exit code 0: every row created or unchanged; 1: some rows rejected; 2: the file
cannot be imported (unreadable, wrong columns; rows before a damaged part may be in); 3: the service's
settings do not work (PII keys, database).
"""

import argparse
import asyncio
import csv
import getpass
import os
import sys
from pathlib import Path

from sqlalchemy.exc import DBAPIError, ProgrammingError
from tqdm import tqdm  # type: ignore[import-untyped]  # tqdm ships no type information

from cekit.db import build_engine, build_sessionmaker
from cekit.pii import PiiCipher
from cekit.tokens import Principal
from registry import policy
from registry.config import Settings
from registry.imports.errors import ImportFileError
from registry.imports.importer import ImportReport, Progress
from registry.imports.readers import EXTENSIONS, FileFormat, Table, read_table
from registry.imports.rows import RowError, column_positions
from registry.imports.service import COLUMNS, ImportKind, import_table
from registry.pii_keys import PiiKeysUnavailable, load_pii_cipher

OK, REJECTED_ROWS, BAD_FILE, BAD_SETTINGS = 0, 1, 2, 3
COMMANDS = {f"import-{kind.value}": kind for kind in ImportKind}


def add_import_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    for command, kind in COMMANDS.items():
        parser = commands.add_parser(
            command,
            help=f"import {kind.value} from a CSV or XLSX file (columns as in POST /v1/{kind.value}); "
            "exit 0 all in, 1 rows rejected, 2 bad file, 3 bad settings",
        )
        parser.add_argument("file", type=Path, help=".csv (UTF-8 or GB18030) or .xlsx (first worksheet)")
        parser.add_argument("--format", choices=[f.value for f in FileFormat], help="when the name does not say")
        parser.add_argument(
            "--errors-csv", type=Path, metavar="PATH", help="write the rejected rows here instead of to stdout"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    kind: ImportKind = COMMANDS[args.command]
    path: Path = args.file
    errors_csv: Path | None = args.errors_csv
    file_format = FileFormat(args.format) if args.format else EXTENSIONS.get(path.suffix.lower())
    if file_format is None:
        return _fail(BAD_FILE, f"{path.name}: not .csv or .xlsx; say which with --format")
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _fail(BAD_FILE, f"{path} cannot be read: {exc.strerror or exc}")
    cipher: PiiCipher | None = None
    if kind is ImportKind.PERSONS:
        try:
            cipher = load_pii_cipher(settings.pii_keys_file)
        except PiiKeysUnavailable as exc:
            return _fail(BAD_SETTINGS, str(exc))
    try:
        table = read_table(data, file_format)
        # Checked here as well as in the import, so a wrong header is said before a progress bar starts.
        column_positions(table.header, COLUMNS[kind], table.header_line)
    except ImportFileError as exc:
        return _fail(BAD_FILE, f"{path.name}: {exc.detail}")

    bar = tqdm(total=table.row_count_hint, unit=" rows", file=sys.stderr, disable=args.no_progress, mininterval=0.5)
    try:
        report = asyncio.run(_import(settings, kind, table, cipher, bar.update))
    except ImportFileError as exc:  # a damaged part further down the file
        return _fail(
            BAD_FILE,
            f"{path.name}: {exc.detail} The rows before it that went in stay in: fix the file and run it again "
            "(they will be unchanged).",
        )
    except ProgrammingError as exc:
        return _fail(BAD_SETTINGS, f"the registry database is not migrated (run `alembic upgrade head`): {exc.orig}")
    except (DBAPIError, OSError) as exc:
        return _fail(BAD_SETTINGS, f"the registry database cannot be reached: {exc}")
    finally:
        bar.close()
        table.close()

    if errors_csv is not None:
        _write_errors_csv(errors_csv, report.errors)
    else:
        for error in report.errors:
            print(f"line {error.line}{f' ({error.field})' if error.field else ''}: {error.code}: {error.reason}")
    print(_summary(kind, path.name, report, errors_csv))
    return REJECTED_ROWS if report.rejected else OK


def cli_actor() -> Principal:
    """The operator, as the platform admin: audit rows name the OS user who ran the tool."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name in a bare container
        user = str(os.getuid())
    return Principal(
        subject=f"cli:{user}", client_id="registry-cli", roles=(policy.ADMIN,), scopes=(), token_id="cli", expires_at=0
    )


async def _import(
    settings: Settings, kind: ImportKind, table: Table, cipher: PiiCipher | None, progress: Progress
) -> ImportReport:
    engine = build_engine(settings.database_url, pool_size=1, application_name="registry-import")
    try:
        async with build_sessionmaker(engine)() as session:
            # A commit per chunk: the import's unit of work is the chunk here, not the whole file.
            return await import_table(
                session, kind, table, actor=cli_actor(), cipher=cipher, checkpoint=session.commit, progress=progress
            )
    finally:
        await engine.dispose()


def _summary(kind: ImportKind, name: str, report: ImportReport, errors_csv: Path | None) -> str:
    summary = (
        f"{name}: {report.total_rows} rows of {kind.value}: {report.created} created, "
        f"{report.unchanged} unchanged, {report.rejected} rejected"
    )
    if report.rejected and errors_csv is not None:
        summary += f" (see {errors_csv})"
    return summary


def _write_errors_csv(path: Path, errors: list[RowError]) -> None:
    # With a byte-order mark: Excel, which most people fix the rows in, reads Chinese text right only then.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "field", "code", "reason"])
        writer.writerows([error.line, error.field or "", error.code, error.reason] for error in errors)


def _fail(code: int, message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code

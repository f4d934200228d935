"""Bulk import of people, employers and institutions: every row is settled on its own as created, unchanged or
rejected (with its line and reason); one bad row never stops the others.

* A row is checked with the single-object API's own request model and rules (GB 11643 / GB 32100, known
  region, the caller's scope) before anything is looked up.
* What already exists is looked up for a whole chunk of rows at once (people by blind index, organisations
  by credit code), not once per row.
* Registered with the same data: ``unchanged``. With other data: ``conflict``. An import never overwrites
  (the people's and organisations' own APIs change things, with their history and audit), so importing the
  same file again changes nothing.
* An ID number or credit code twice in one file: the later line is rejected, naming the earlier.
* New objects are registered as the single-object API registers them, audit included (``persons``,
  ``organisations`` say how).

Like every use case here it flushes and never commits. ``checkpoint`` is awaited after each chunk: the
command-line tool commits there, so a huge file is not one giant transaction; the API commits once at the end,
so a request whose database fails half-way leaves nothing behind.
"""

import logging
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from cekit.pii import PiiCipher
from cekit.tokens import Principal
from registry.imports.importer import Checkpoint, ImportReport, Progress
from registry.imports.organisations import EMPLOYER_COLUMNS, INSTITUTION_COLUMNS, OrganisationImporter
from registry.imports.persons import PERSON_COLUMNS, PersonImporter
from registry.imports.readers import Table, bounded
from registry.imports.rows import column_positions
from registry.vocabulary import OrganisationType

log = logging.getLogger("registry.imports")


class ImportKind(StrEnum):
    PERSONS = "persons"
    EMPLOYERS = "employers"
    INSTITUTIONS = "institutions"


COLUMNS = {
    ImportKind.PERSONS: PERSON_COLUMNS,
    ImportKind.EMPLOYERS: EMPLOYER_COLUMNS,
    ImportKind.INSTITUTIONS: INSTITUTION_COLUMNS,
}


async def import_table(
    session: AsyncSession,
    kind: ImportKind,
    table: Table,
    *,
    actor: Principal,
    cipher: PiiCipher | None = None,
    max_rows: int | None = None,
    checkpoint: Checkpoint | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Imports the rows of ``table`` (``BadHeader`` first if its columns are wrong). ``max_rows``: refuse the
    whole file (``TooManyRows``) before importing anything when it has more data rows. ``progress`` is told
    how many rows each finished chunk had."""
    positions = column_positions(table.header, COLUMNS[kind], table.header_line)
    rows = iter(bounded(table.rows, max_rows)) if max_rows is not None else table.rows
    if kind is ImportKind.PERSONS:
        if cipher is None:
            raise ValueError("importing people needs the ID-number cipher")
        people = PersonImporter(actor, cipher)
        report = await people.run(session, positions, rows, checkpoint=checkpoint, progress=progress)
    else:
        register = OrganisationType.EMPLOYER if kind is ImportKind.EMPLOYERS else OrganisationType.INSTITUTION
        organisations = OrganisationImporter(actor, register)
        report = await organisations.run(session, positions, rows, checkpoint=checkpoint, progress=progress)
    # Counts only: never a value of a row (ID numbers, names) in a log line.
    log.info(
        "import of %s by %s: %d rows, %d created, %d unchanged, %d rejected",
        kind.value,
        actor.subject,
        report.total_rows,
        report.created,
        report.unchanged,
        report.rejected,
    )
    return report

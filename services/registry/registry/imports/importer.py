"""The steps every kind of import takes, chunk by chunk: check each row on its own, look up what exists for the
whole chunk in one query, then settle each row as unchanged, conflict or new, and create the new ones.

A subclass says what a row is (its columns, key and request model), who may import it, how to look up and
compare what is registered, and how to create. By default a new object is created through the single-object
use case, one row at a time; a subclass may create a whole chunk at once (people: ``registry.imports.persons``).
"""

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Hashable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.problems import DomainError
from cekit.tokens import Principal
from registry import regions
from registry.imports.readers import SourceRow
from registry.imports.rows import Columns, RowError, row_texts

# Rows per bulk lookup and per checkpoint: one query of 500 keys, and when the command-line tool commits, a
# transaction of a few thousand statements at most.
CHUNK_ROWS = 500

DUPLICATE_IN_FILE = "duplicate_in_file"
OUTSIDE_SCOPE = "outside_scope"
CONFLICT = "conflict"
UNKNOWN_REGION = "unknown_region"

Checkpoint = Callable[[], Awaitable[None]]
Progress = Callable[[int], None]

D = TypeVar("D", bound=BaseModel)  # the API's request model of one row
K = TypeVar("K", bound=Hashable)  # the identifying key: blind index of the ID number, or the credit code
R = TypeVar("R")  # what is registered under a key


@dataclass
class ImportReport:
    total_rows: int = 0
    created: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)

    def reject(self, problems: list[RowError]) -> None:
        self.rejected += 1
        self.errors.extend(problems)


@dataclass(frozen=True)
class Candidate(Generic[D, K]):
    """A row that passed every check made without the database."""

    line: int
    key: K
    data: D


class Importer(ABC, Generic[D, K, R]):
    columns: Columns
    key_field: str
    key_label: str  # "ID number", "credit code": in reasons instead of the value itself
    object_label: str  # "person", "employer", "institution"
    exists_error: type[DomainError]  # the use case's refusal of a second object with the same key

    def __init__(self, actor: Principal) -> None:
        self.actor = actor

    # ---- what a kind of import defines ---------------------------------------------------------------------
    @abstractmethod
    def prepare(self, line: int, texts: dict[str, str], problems: list[RowError]) -> tuple[K | None, D | None]:
        """The row's key (when it is readable) and request model (when the row is valid); adds its problems."""

    @abstractmethod
    def outside_scope(self, data: D) -> tuple[str, str] | None:
        """The field and reason when the caller may not make this object at all (decided from the row and the
        caller's own claims alone, before any lookup, as in the single-object API)."""

    @abstractmethod
    async def find_existing(self, session: AsyncSession, keys: list[K]) -> dict[K, R]: ...

    @abstractmethod
    def differences(self, existing: R, data: D) -> list[str] | None:
        """The fields in which the row differs from what is registered; None if the caller may not see it."""

    @abstractmethod
    async def create(self, session: AsyncSession, data: D) -> None:
        """One new object, through the single-object use case."""

    async def create_all(self, session: AsyncSession, report: ImportReport, new: list[Candidate[D, K]]) -> None:
        """The chunk's new objects; each is counted as created or rejected in ``report``."""
        for candidate in new:
            await self._create_one(session, report, candidate)

    # ---- the steps -----------------------------------------------------------------------------------------
    async def run(
        self,
        session: AsyncSession,
        positions: dict[str, int],
        rows: Iterator[SourceRow],
        *,
        checkpoint: Checkpoint | None,
        progress: Progress | None,
    ) -> ImportReport:
        report = ImportReport()
        first_line_of: dict[K, int] = {}  # keys (blind indexes, credit codes) only: no ID number kept
        while chunk := list(islice(rows, CHUNK_ROWS)):
            candidates = [
                candidate
                for row in chunk
                if (candidate := self._check(row, positions, first_line_of, report)) is not None
            ]
            existing = await self.find_existing(session, [candidate.key for candidate in candidates])
            new = []
            for candidate in candidates:
                if (found := existing.get(candidate.key)) is None:
                    new.append(candidate)
                else:
                    self._compare(report, candidate, found)
            await self.create_all(session, report, new)
            # The objects of a finished chunk are not needed again: dropping them keeps the session's identity
            # map (and each flush's work) small however long the file.
            session.expunge_all()
            if checkpoint is not None:
                await checkpoint()
            if progress is not None:
                progress(len(chunk))
        report.errors.sort(key=lambda error: error.line)  # stable: a row's own problems keep their order
        return report

    def _check(
        self, row: SourceRow, positions: dict[str, int], first_line_of: dict[K, int], report: ImportReport
    ) -> Candidate[D, K] | None:
        report.total_rows += 1
        texts, problems = row_texts(row, positions, self.columns)
        key, data = self.prepare(row.line, texts, problems)
        # A key counts from its first line even when that line is rejected for something else: "once per file"
        # is about the file, and fixing the first line must not let the later one slip in.
        if key is not None and (first := first_line_of.setdefault(key, row.line)) != row.line:
            reason = f"The same {self.key_label} as line {first}: each {self.key_label} once per file."
            problems.append(RowError(row.line, DUPLICATE_IN_FILE, reason, self.key_field))
        if problems or data is None or key is None:
            report.reject(problems)
            return None
        if (refusal := self.outside_scope(data)) is not None:
            field_name, reason = refusal
            report.reject([RowError(row.line, OUTSIDE_SCOPE, reason, field_name)])
            return None
        return Candidate(row.line, key, data)

    def _compare(self, report: ImportReport, candidate: Candidate[D, K], existing: R) -> None:
        differences = self.differences(existing, candidate.data)
        if differences == []:
            report.unchanged += 1
            return
        what = f"A {self.object_label} with this {self.key_label} is already registered"
        if differences is None:
            reason = f"{what} (not one you may see)."
        else:
            reason = f"{what} with a different {', '.join(differences)}."
        reason += " An import never changes what is registered: use the API of that object to change it."
        single = differences[0] if differences and len(differences) == 1 else None
        report.reject([RowError(candidate.line, CONFLICT, reason, single)])

    async def _create_one(self, session: AsyncSession, report: ImportReport, candidate: Candidate[D, K]) -> None:
        try:
            await self.create(session, candidate.data)
        except self.exists_error:
            # Registered by someone else since the chunk's lookup (the use case's own check caught it).
            existing = (await self.find_existing(session, [candidate.key])).get(candidate.key)
            if existing is None:
                raise
            self._compare(report, candidate, existing)
        except DomainError as exc:  # refused by the use case before it wrote anything
            report.reject([row_error(candidate.line, exc)])
        else:
            report.created += 1


def row_error(line: int, exc: DomainError) -> RowError:
    """A use case's refusal as a row's problem: its first field error when it has one (the field, the
    specific code), else its code and detail."""
    first = (exc.errors or [{}])[0]
    field_name = first.get("field")
    return RowError(
        line,
        str(first.get("code") or exc.code),
        str(first.get("message") or exc.detail),
        str(field_name) if field_name else None,
    )


def region_problem(line: int, texts: dict[str, str], flagged: set[str], problems: list[RowError]) -> None:
    region_code = texts.get("region_code", "")
    if "region_code" not in flagged and region_code and not regions.is_known(region_code):
        message = f"{region_code} is not a known GB/T 2260 region code."
        problems.append(RowError(line, UNKNOWN_REGION, message, "region_code"))


def flagged(problems: list[RowError]) -> set[str]:
    return {problem.field for problem in problems if problem.field}

"""Use cases of learning records: take records in (institutions' batches, people's and employers'
declarations), read them. Services flush, never commit: the request commits once (``cekit.db.SessionDep``).

How a batch is taken, in order (each refusal is that item's answer; the others go on):

1. each item is checked on its own: its schema, its dates, its measure against the activity and the date
   range; an ``external_id`` that occurs twice in the batch refuses both items (``duplicate_in_batch``);
2. one registry lookup for all remaining items: the person must be registered and the name must match;
3. a record citing a ``course_code`` must find it in the subject catalogue of its year, applying to the person;
   the course fixes its category and required (必修) flag (``checks.apply_course``; one lookup per batch);
4. the person's policy pack credits the record (``hours.policy``);
5. the person-years of the records under a yearly cap are locked (``ledger.repository.lock_person_years``), and
   each cap is applied against the live hours (pending and credited) the person already holds in that cap's
   group that year, in input order. A record under no cap reads nothing that another request changes, so its
   person-year is not locked: its pending hours are added to the totals row by row, under the row's own lock;
6. the records are copied in, then, from them, in one statement, their pending totals, their audit events and
   their people's profiles (the registry's facts the records were taken with: a batch of duplicates changes
   nothing, not even a profile).

The records are taken to be new, as a batch usually is (looking for repeats first cost 4 µs a record). An
``(submitter, external_id)`` seen before makes the copy fail: it is undone, the repeats are found, and the rest
go through steps 3–6 again (a repeat must take no share of a cap), written through ``ON CONFLICT`` this time,
since another batch in flight may take one of their external_ids meanwhile. A repeat is a ``duplicate`` when its
content is identical (answered with the original record) and a ``conflict`` otherwise — corrections go through
a reversal, never an overwrite.
"""

import hashlib
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, Literal

import orjson
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.ids import uuid7s
from cekit.tokens import Principal
from hours import access
from hours.catalogue import repository as catalogue
from hours.clients.registry import PersonFound, PersonMissing, RegistryClient
from hours.errors import ItemCode, NotPermitted, RecordConflict, RecordNotFound, RecordRefused
from hours.ledger import repository as ledger
from hours.policy.crediting import ActivityInput, Computed, CreditRefused, apply_cap, compute
from hours.policy.resolve import PolicyBook, ResolvedRule
from hours.records import repository
from hours.records.checks import Refusal, apply_course, check_content
from hours.records.schemas import DeclaredRecord, PushedRecord, RecordFields
from hours.units import ZERO
from hours.vocabulary import ACTIVITY_OF, CATEGORY_OF, Activity, Status

SubmitterType = Literal["institution", "person", "employer"]
PersonCheck = Callable[[PersonFound], Refusal | None]


@dataclass(frozen=True)
class Submitter:
    """Who sends the records: the pushing institution, or the declaring person or employer."""

    type: SubmitterType
    id: uuid.UUID
    principal: Principal


@dataclass(slots=True)
class Parsed:
    """An item after its own checks: a record, or the reason it was refused."""

    external_id: str | None
    record: RecordFields | None = None
    refusal: Refusal | None = None


@dataclass(slots=True)
class Outcome:
    external_id: str | None
    status: Literal["created", "duplicate", "rejected"]
    record_id: uuid.UUID | None = None
    credited_hours: Decimal | None = None
    error: Refusal | None = None


@dataclass(slots=True)
class _New:
    index: int
    record: RecordFields
    person: PersonFound
    content_hash: str
    resolved: ResolvedRule
    computed: Computed
    row: list[Any] = field(default_factory=list)  # as the COPY takes it (``_row``)

    @property
    def external_id(self) -> str | None:
        return getattr(self.record, "external_id", None)


def parse_items(raw_items: Sequence[Any], schema: type[RecordFields], today: date) -> list[Parsed]:
    """Step 1, for a batch: every item checked on its own."""
    external_ids = [_external_id(raw) for raw in raw_items]
    seen = Counter(e for e in external_ids if e is not None)
    if len(seen) == len(raw_items):  # every item has its own external_id: the usual batch
        try:
            # One call validates the whole list (a call per item cost a µs more each); any refusal is found
            # again below, item by item, with its own reason.
            records = _list_of(schema).validate_python(raw_items)
        except ValidationError:
            pass
        else:
            return [check_one(record, today) for record in records]
    parsed = []
    for raw, external_id in zip(raw_items, external_ids, strict=True):
        if external_id is not None and seen[external_id] > 1:
            detail = f"external_id {external_id!r} occurs {seen[external_id]} times in this batch; none was taken."
            parsed.append(Parsed(external_id, refusal=Refusal(ItemCode.DUPLICATE_IN_BATCH, detail)))
            continue
        try:
            record = schema.model_validate(raw)
        except ValidationError as exc:
            parsed.append(Parsed(external_id, refusal=Refusal(ItemCode.INVALID_RECORD, _describe(exc))))
            continue
        parsed.append(check_one(record, today))
    return parsed


@cache
def _list_of(schema: type[RecordFields]) -> TypeAdapter[list[RecordFields]]:
    return TypeAdapter(list[schema])  # type: ignore[valid-type]


def check_one(record: RecordFields, today: date) -> Parsed:
    external_id: str | None = getattr(record, "external_id", None)
    refusal = check_content(record, today)
    return Parsed(external_id, refusal=refusal) if refusal else Parsed(external_id, record=record)


async def take(
    session: AsyncSession,
    registry: RegistryClient,
    book: PolicyBook,
    submitter: Submitter,
    items: Sequence[Parsed],
    *,
    status: Status = Status.PENDING,
    person_check: PersonCheck | None = None,
) -> list[Outcome]:
    """Steps 2–6 (and the repeats). One outcome per item, in input order."""
    intake = _Intake(session, submitter, items, status)
    await intake.identify(registry, person_check)  # 2
    if intake.people:
        await intake.settle(book, sorted(intake.people))  # 3–5, all taken to be new
        if not await intake.copy_in():  # 6; False: an external_id was seen before
            await intake.drop_repeats()
            await intake.settle(book, intake.fresh)  # 3–5 again, without the repeats
            await intake.write()  # 6, through ON CONFLICT
    return intake.outcomes()


class _Intake:
    """The working state of one batch (or one declaration) on its way in."""

    def __init__(self, session: AsyncSession, submitter: Submitter, items: Sequence[Parsed], status: Status) -> None:
        self.session, self.submitter, self.items, self.status = session, submitter, items, status
        self.results: list[Outcome | None] = [
            Outcome(p.external_id, "rejected", error=p.refusal) if p.refusal else None for p in items
        ]
        self.records: dict[int, RecordFields] = {i: p.record for i, p in enumerate(items) if p.record is not None}
        self.people: dict[int, PersonFound] = {}
        self.hashes: dict[int, str] = {}
        self.fresh: list[int] = []
        self.new: list[_New] = []

    def refuse(self, i: int, code: ItemCode, detail: str) -> None:
        self.results[i] = Outcome(self.items[i].external_id, "rejected", error=Refusal(code, detail))

    async def identify(self, registry: RegistryClient, person_check: PersonCheck | None) -> None:
        """One registry call for the whole batch: registered, and the name matches."""
        waiting = sorted(self.records)
        answers = await registry.lookup_persons([(self.records[i].id_number, self.records[i].name) for i in waiting])
        for i, answer in zip(waiting, answers, strict=True):
            if isinstance(answer, PersonMissing):
                self.refuse(i, ItemCode(answer.status), answer.reason)
                continue
            refusal = person_check(answer) if person_check is not None else None
            if refusal is not None:
                self.results[i] = Outcome(self.items[i].external_id, "rejected", error=refusal)
                continue
            self.people[i] = answer
            self.hashes[i] = content_hash(self.records[i], answer.person_id)

    async def settle(self, book: PolicyBook, fresh: list[int]) -> None:
        """Steps 3 to 5 for the records taken to be new (a second call starts over with fewer)."""
        for i in fresh:
            self.results[i] = None
        self.fresh, self.new = fresh, []
        await self.apply_courses()
        self.credit(book)
        await ledger.lock_person_years(self.session, self.capped_person_years())  # a cap's reads, one at a time
        await self.apply_caps()

    def capped_person_years(self) -> set[ledger.PersonYear]:
        return {(n.person.person_id, n.record.end_date.year) for n in self.new if n.resolved.cap is not None}

    async def drop_repeats(self) -> None:
        """An (submitter, external_id) seen before: a duplicate when identical, a conflict otherwise."""
        keyed = {i: e for i in self.people if (e := self.items[i].external_id) is not None}
        existing = await repository.existing_by_external_id(
            self.session, self.submitter.type, self.submitter.id, sorted(set(keyed.values()))
        )
        self.fresh = []
        for i in sorted(self.people):
            known = existing.get(keyed[i]) if i in keyed else None
            if known is None:
                self.fresh.append(i)
            else:
                self.results[i] = _repeat(keyed[i], known, self.hashes[i])

    async def apply_courses(self) -> None:
        """Cited courses, looked up for the whole batch at once; an item whose course does not fit is refused."""
        cited = {i: (r.end_date.year, r.course_code) for i in self.fresh if (r := self.records[i]).course_code}
        if not cited:
            return
        courses = await catalogue.courses_for(self.session, cited.values())
        refused = set()
        for i, key in cited.items():
            person = self.people[i]
            applied = apply_course(self.records[i], courses.get(key), person.region_code, person.industry)
            if isinstance(applied, Refusal):
                self.results[i] = Outcome(self.items[i].external_id, "rejected", error=applied)
                refused.add(i)
            else:
                self.records[i] = applied
        self.fresh = [i for i in self.fresh if i not in refused]

    def credit(self, book: PolicyBook) -> None:
        """The rule of the person's jurisdiction for the activity, and its arithmetic."""
        # ``compute`` is pure: a batch of 500 records of a few kinds asks it the same few questions, so each answer
        # is kept for the batch, keyed by the resolved rule (one object per resolution) and what the arithmetic
        # reads of the record and the person. A refusal is not kept: it is raised again for each record.
        answers: dict[tuple[Any, ...], Computed] = {}
        for i in self.fresh:
            record, person = self.records[i], self.people[i]
            try:
                resolved = book.credit_rule(
                    person.region_code,
                    CATEGORY_OF[record.category],
                    ACTIVITY_OF[record.activity],
                    record.end_date.year,
                    industry=person.industry,
                )
                key = (resolved, record.result, person.industry, *_measure(record))
                computed = answers.get(key)
                if computed is None:
                    computed = answers[key] = compute(
                        resolved.rule,
                        _activity_input(record, person),
                        hour_length=resolved.hour_length,
                        conversion=resolved.conversion,
                    )
            except CreditRefused as refused:
                self.refuse(i, ItemCode(refused.code), refused.detail)
                continue
            self.new.append(_New(i, record, person, self.hashes[i], resolved, computed))

    async def apply_caps(self) -> None:
        """Yearly caps against the live hours already held, then in input order within the batch."""
        keys = [(n.person.person_id, n.record.end_date.year, n.resolved.cap.group) for n in self.new if n.resolved.cap]
        usage = await repository.cap_usage(self.session, keys)
        # Without a cap, a record's explanation is its arithmetic's: records sharing that share the one document,
        # encoded once.
        uncapped: dict[int, str] = {}
        for n, record_id in zip(self.new, uuid7s(len(self.new)), strict=True):
            cap = n.resolved.cap
            if cap is None:
                hours = n.computed.hours
                document = uncapped.get(id(n.computed))
                if document is None:
                    credit = apply_cap(n.computed, None, ZERO)
                    document = uncapped[id(n.computed)] = repository.explanation_json(
                        credit.explanation(n.resolved.rule, n.resolved.jurisdiction.id)
                    )
            else:
                key = (n.person.person_id, n.record.end_date.year, cap.group)
                used = usage.get(key, ZERO)
                credit = apply_cap(n.computed, cap, used)
                usage[key] = used + credit.hours
                hours = credit.hours
                document = repository.explanation_json(credit.explanation(n.resolved.rule, n.resolved.jurisdiction.id))
            n.row = _row(record_id, self.submitter, n, hours, document, self.status)

    async def copy_in(self) -> bool:
        """The new records of a batch taken to be all new, with their pending hours on the totals, their audit
        events and their people's profiles; False, with nothing written, when one of their external_ids is taken."""
        if not await repository.copy_new_records(self.session, [n.row for n in self.new], self.submitter.principal):
            return False
        for n in self.new:
            self.results[n.index] = Outcome(
                n.external_id, "created", record_id=n.row[_ID], credited_hours=n.row[_CREDIT_HOURS]
            )
        return True

    async def write(self) -> None:
        """As ``copy_in``, for records known not to repeat earlier ones; one whose external_id another batch
        takes meanwhile is answered as a repeat of that batch's record."""
        inserted = await repository.insert_pending_records(
            self.session, [n.row for n in self.new], self.submitter.principal
        )
        lost: list[_New] = []  # another transaction took their (submitter, external_id) meanwhile
        for n in self.new:
            record_id = n.row[_ID]
            if record_id not in inserted:
                lost.append(n)
                continue
            self.results[n.index] = Outcome(
                n.external_id, "created", record_id=record_id, credited_hours=n.row[_CREDIT_HOURS]
            )
        if lost:
            # Only a taken (submitter, external_id) is skipped, so each of these has an external_id; ON CONFLICT
            # waited for the other transaction to commit, so its row is there to compare with.
            taken = [(n, n.external_id) for n in lost if n.external_id is not None]
            again = await repository.existing_by_external_id(
                self.session, self.submitter.type, self.submitter.id, [external_id for _, external_id in taken]
            )
            for n, external_id in taken:
                self.results[n.index] = _repeat(external_id, again[external_id], n.content_hash)

    def outcomes(self) -> list[Outcome]:
        assert all(o is not None for o in self.results)
        return [o for o in self.results if o is not None]


async def push(
    session: AsyncSession,
    registry: RegistryClient,
    book: PolicyBook,
    actor: Principal,
    raw_records: Sequence[Any],
    today: date,
) -> list[Outcome]:
    """An institution's batch (the institution is the token's organisation)."""
    institution = access.as_uuid(actor.org_id)
    if institution is None:
        raise NotPermitted("This token names no institution (org_id); records are pushed by an institution.")
    items = parse_items(raw_records, PushedRecord, today)
    return await take(session, registry, book, Submitter("institution", institution, actor), items)


# Learning the system records (000 art. 7(5)) or the unit organises (art. 7(6)) is not the person's to declare.
PERSON_DECLARES = frozenset(Activity) - {Activity.ONLINE, Activity.IN_UNIT}


async def declare(
    session: AsyncSession,
    registry: RegistryClient,
    book: PolicyBook,
    actor: Principal,
    body: DeclaredRecord,
    today: date,
) -> tuple[Row[Any], bool]:
    """A person declares their own learning; an employer's admin declares in-unit training of its staff, which is
    then already first-reviewed (初审 is the employer's, 000 art. 14). The record, and whether it is new."""
    activity = Activity(body.activity)
    employer = access.as_uuid(actor.org_id) if actor.has_role(access.EMPLOYER) else None
    person = access.as_uuid(actor.person_id) if actor.has_role(access.PERSON) else None
    if activity is Activity.IN_UNIT and employer is not None:
        submitter, status = Submitter("employer", employer, actor), Status.FIRST_REVIEWED

        def check(found: PersonFound) -> Refusal | None:
            if found.employer_id != employer:
                return Refusal(ItemCode.NOT_YOUR_STAFF, "This person is not on your organisation's staff.")
            return None

    elif person is not None and activity in PERSON_DECLARES:
        submitter, status = Submitter("person", person, actor), Status.PENDING

        def check(found: PersonFound) -> Refusal | None:
            if found.person_id != person:
                return Refusal(ItemCode.NOT_SELF, "A person declares only their own learning.")
            return None

    else:
        raise RecordRefused(
            "People declare their own exams, seminars, training, study, degree courses, self-study, publications "
            "and credits; online learning is recorded by the platform (000 art. 7(5)); in-unit training is declared "
            "by the employer's admin for its staff (000 art. 7(6)).",
            code=ItemCode.NOT_DECLARABLE.value,
        )
    items = [check_one(body, today)]
    [outcome] = await take(session, registry, book, submitter, items, status=status, person_check=check)
    if outcome.error is not None:
        if outcome.error.code is ItemCode.CONFLICT:
            raise RecordConflict(outcome.error.detail, record_id=str(outcome.record_id))
        raise RecordRefused(outcome.error.detail, code=outcome.error.code.value)
    assert outcome.record_id is not None
    return await read(session, actor, outcome.record_id), outcome.status == "created"


def content_hash(record: RecordFields, person_id: uuid.UUID) -> str:
    """What makes a record the same record: its content and the person (not the ID number or name as typed).

    The bytes hashed are fixed by the records already stored: the JSON of the record's fields as pydantic dumps
    them in JSON mode (dates ISO, hours and credits as floats), without ``id_number``, ``name`` and
    ``external_id``, plus ``person_id``, keys sorted. Built here field by field: ``model_dump`` cost 3 µs a
    record. ``tests/test_content_hash.py`` holds it to ``model_dump`` for every field."""
    hours, credits = record.hours, record.credits
    content = {
        "activity": record.activity,
        "category": record.category,
        "characters": record.characters,
        "course_code": record.course_code,
        "courses_passed": record.courses_passed,
        "credits": None if credits is None else float(credits),
        "days": record.days,
        "end_date": record.end_date,
        "hours": None if hours is None else float(hours),
        "minutes": record.minutes,
        "months": record.months,
        "person_id": str(person_id),
        "required": record.required,
        "result": record.result,
        "start_date": record.start_date,
        "title": record.title,
    }
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


# ---- reading --------------------------------------------------------------------------------------------------
def facts(row: Row[Any]) -> access.Facts:
    return access.Facts(
        person_id=row.person_id,
        region_code=row.region_code,
        employer_id=row.employer_id,
        industry=row.industry,
        submitter_type=row.submitter_type,
        submitter_id=row.submitter_id,
    )


async def read(session: AsyncSession, principal: Principal, record_id: uuid.UUID) -> Row[Any]:
    row = await repository.get(session, record_id)
    if row is None or not access.admits(access.record_scopes(principal), facts(row)):
        raise RecordNotFound(f"No learning record {record_id} that you may see.")
    return row


async def page(
    session: AsyncSession,
    principal: Principal,
    *,
    person_id: uuid.UUID | None,
    year: int | None,
    status: Status | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Row[Any]], str | None]:
    return await repository.page(
        session,
        access.record_scopes(principal),
        person_id=person_id,
        year=year,
        status=status,
        cursor=cursor,
        limit=limit,
    )


# ---- helpers -----------------------------------------------------------------------------------------------
def _external_id(raw: Any) -> str | None:
    value = raw.get("external_id") if isinstance(raw, Mapping) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "record"
        parts.append(f"{where}: {err['msg']}")
    more = len(exc.errors()) - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _repeat(external_id: str, known: repository.Existing, new_hash: str) -> Outcome:
    if known.content_hash == new_hash:
        return Outcome(external_id, "duplicate", record_id=known.id, credited_hours=known.credit_hours)
    detail = (
        f"external_id {external_id!r} already names record {known.id} with different content; "
        "a record is never overwritten — correct it through a reversal and a new external_id."
    )
    return Outcome(external_id, "rejected", record_id=known.id, error=Refusal(ItemCode.CONFLICT, detail))


def profile_of(person: PersonFound) -> dict[str, Any]:
    """The registry's facts about a person as ``person_profile`` keeps them."""
    return {
        "region_code": person.region_code,
        "province_code": person.province_code,
        "employer_id": person.employer_id,
        "title_level": person.title_level.value,
        "industry": person.industry,
    }


def _measure(record: RecordFields) -> tuple[Any, ...]:
    """The record's measure: ``MEASURE_FIELDS``, in that order."""
    return (
        record.days,
        record.hours,
        record.minutes,
        record.months,
        record.courses_passed,
        record.characters,
        record.credits,
    )


def _activity_input(record: RecordFields, person: PersonFound) -> ActivityInput:
    return ActivityInput(
        activity=ACTIVITY_OF[record.activity],
        category=CATEGORY_OF[record.category],
        days=record.days,
        hours=record.hours,
        minutes=record.minutes,
        months=record.months,
        courses_passed=record.courses_passed,
        characters=record.characters,
        credits=record.credits,
        result=record.result,
        industry=person.industry,
    )


_ID = repository.RECORD_NAMES.index("id")
_CREDIT_HOURS = repository.RECORD_NAMES.index("credit_hours")


def _row(
    record_id: uuid.UUID,
    submitter: Submitter,
    n: _New,
    hours: Decimal,
    explanation: str,
    status: Status,
) -> list[Any]:
    """The record as the intake's COPY takes it: its values in ``repository.RECORD_NAMES`` order, made as one
    list (a dict by column name, then put in that order, cost 2 µs a record more). ``test_intake_rows.py`` holds
    each place to its column."""
    record, person, rule, cap = n.record, n.person, n.resolved.rule, n.resolved.cap
    return [
        record_id,
        submitter.type,
        submitter.id,
        n.external_id,
        person.person_id,
        person.region_code,
        person.employer_id,
        person.industry,
        person.title_level.value,
        record.end_date.year,  # year: the hours count for the end date's calendar year
        record.category,
        record.activity,
        record.title,
        record.start_date,
        record.end_date,
        record.result,
        record.course_code,
        record.required,
        *_measure(record),  # days, hours, minutes, months, courses_passed, characters, credits
        hours,  # credit_hours
        cap.group if cap else None,  # cap_group
        rule.id,
        rule.source,
        explanation,  # as JSON text
        status.value,
        n.content_hash,
    ]

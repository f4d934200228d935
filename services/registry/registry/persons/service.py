"""Use cases on people. They flush; the request (or the operator's script) commits.

The national ID number is personal information (RULES.md §1, ARCHITECTURE.md "PII"): it is validated
(GB 11643), stored only as an AES-GCM ciphertext bound to the row's id, found through a keyed blind index,
answered in full only to the person and the officials with rights over them — each such answer leaves an
``id_number_read`` audit row — and otherwise masked. It is never logged and never part of an error.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.audit import record_audit
from cekit.db import Reader
from cekit.identifiers import IdNumber, IdNumberError, normalise_id_number, parse_id_number
from cekit.pii import PiiCipher, PiiKeyError, mask_id_number
from cekit.tokens import Principal
from registry import policy, regions
from registry.errors import (
    HistoryConflict,
    IdNumberUnreadable,
    InvalidIdNumber,
    NotPermitted,
    OutsideScope,
    PersonExists,
    PersonNotFound,
    UnknownEmployer,
    UnknownRegion,
)
from registry.models import Employment, Organisation, Person, TitleChange, audit_event
from registry.organisations import repository as organisations
from registry.pagination import PageRequest
from registry.persons import repository
from registry.persons.rules import dated_change_problem, same_name, today
from registry.persons.schemas import EmploymentCreate, LookupItem, PersonCheck, PersonCreate, TitleCreate
from registry.vocabulary import OrganisationType, Sex

ID_NUMBER_READ = "id_number_read"
UNREADABLE_MASK = "*" * 18
log = logging.getLogger("registry.persons")


@dataclass(frozen=True)
class PersonView:
    """A person as one caller may see them: the ID number in full or masked (and then no birth date)."""

    person: Person
    id_number: str
    masked: bool

    @property
    def birth_date(self) -> date | None:
        return None if self.masked else self.person.birth_date


# ---- register --------------------------------------------------------------------------------------------
async def register_person(
    session: AsyncSession, cipher: PiiCipher, data: PersonCreate, *, actor: Principal
) -> PersonView:
    number = _parse(data.id_number)
    if not regions.is_known(data.region_code):
        raise UnknownRegion(data.region_code)
    employer_id = data.employer_id
    if employer_id is None and actor.has_role(policy.EMPLOYER):
        employer_id = _uuid_or_none(actor.org_id)  # an employer registers its own staff
    if not policy.may_register_person(actor, data.region_code, employer_id):
        raise OutsideScope(
            "An HR official registers people of its own region; an employer's admin, its own staff only."
        )
    if employer_id is not None:
        await _employer(session, employer_id)
    blind_index = cipher.blind_index(number.number)
    if (existing := await repository.find_by_index(session, blind_index)) is not None:
        raise _exists(existing, actor)

    person_id = uuid.uuid4()  # before the insert: the ciphertext is bound to it
    person = Person(
        id=person_id,
        id_number_ciphertext=cipher.encrypt(number.number, str(person_id)),
        id_number_index=blind_index,
        id_kind=number.kind,
        name=data.name,
        sex=Sex(number.sex),
        birth_date=number.birth_date,
        region_code=data.region_code,
        industry=data.industry,
        employer_id=employer_id,
        title_level=data.title_level,
    )
    try:
        async with session.begin_nested():  # a concurrent registration of the same number loses here alone
            await repository.add(session, person)
    except IntegrityError as exc:
        if (existing := await repository.find_by_index(session, blind_index)) is not None:
            raise _exists(existing, actor) from exc
        raise
    # What is known at registration has held since some day before it, which the register does not invent:
    # these first entries have no date. Changes from now on are dated.
    history: list[Employment | TitleChange] = [
        TitleChange(person_id=person_id, title_level=data.title_level, effective_date=None)
    ]
    if employer_id is not None:
        history.append(Employment(person_id=person_id, employer_id=employer_id, start_date=None))
    await repository.add_history(session, *history)
    await record_audit(
        session,
        audit_event,
        actor=actor,
        action="person.registered",
        object_type="person",
        object_id=person_id,
        # Never the ID number, not even masked: the audit trail is read by more people than the register.
        details={
            "id_kind": number.kind.value,
            "region_code": data.region_code,
            "industry": data.industry,
            "title_level": data.title_level.value,
            **({"employer_id": str(employer_id)} if employer_id else {}),
        },
    )
    return await _present(session, cipher, await _reload(session, person_id), actor, view="registration")


def _exists(existing: Person, actor: Principal) -> PersonExists:
    if policy.person_scope(actor).admits_person(existing):
        return PersonExists("A person with this ID number is already registered.", person_id=str(existing.id))
    return PersonExists("A person with this ID number is already registered (not one you may see).")


# ---- read ------------------------------------------------------------------------------------------------
async def get_person(session: AsyncSession, cipher: PiiCipher, person_id: uuid.UUID, *, actor: Principal) -> PersonView:
    person = await _readable(session, person_id, actor)
    return await _present(session, cipher, person, actor, view="detail")


async def my_person(session: AsyncSession, cipher: PiiCipher, *, actor: Principal) -> PersonView:
    person_id = _uuid_or_none(actor.person_id)
    person = await repository.get_with_history(session, person_id) if person_id is not None else None
    if person is None:
        raise PersonNotFound("Your account is not bound to a registered person.")
    return await _present(session, cipher, person, actor, view="self")


async def list_persons(
    session: AsyncSession,
    cipher: PiiCipher,
    page: PageRequest,
    *,
    actor: Principal,
    region_code: str | None = None,
    employer_id: uuid.UUID | None = None,
    industry: str | None = None,
) -> tuple[list[PersonView], str | None]:
    """People in the caller's scope. ID numbers are masked in lists, for everyone: a list is for finding
    someone, and the full number is one audited read of that person away (the minimum necessary)."""
    if region_code is not None and not regions.is_known(region_code):
        raise UnknownRegion(region_code, where="query")
    rows, next_cursor = await repository.list_page(
        session,
        policy.person_scope(actor),
        page,
        region_code=region_code,
        employer_id=employer_id,
        industry=industry,
    )
    return [_masked(cipher, row) for row in rows], next_cursor


# ---- history ---------------------------------------------------------------------------------------------
async def start_employment(
    session: AsyncSession, cipher: PiiCipher, person_id: uuid.UUID, data: EmploymentCreate, *, actor: Principal
) -> PersonView:
    """A move to another employer (调动): the current employment ends the day before the new one starts."""
    person = await _changeable(session, person_id, actor)
    await _employer(session, data.employer_id)
    current = next((e for e in person.employments if e.end_date is None), None)
    problem = dated_change_problem(
        current_since=current.start_date if current else None,
        since=data.start_date,
        today=today(),
        unchanged=current is not None and current.employer_id == data.employer_id,
    )
    if problem:
        raise HistoryConflict(problem, errors=[_field_error("start_date", problem)])
    if current is not None:
        current.end_date = data.start_date - timedelta(days=1)
        await session.flush()  # closed before the new one opens: one open employment per person
    person.employer_id = data.employer_id
    await repository.add_history(
        session, Employment(person_id=person.id, employer_id=data.employer_id, start_date=data.start_date)
    )
    await record_audit(
        session,
        audit_event,
        actor=actor,
        action="person.employment_started",
        object_type="person",
        object_id=person.id,
        details={
            "employer_id": str(data.employer_id),
            "start_date": data.start_date.isoformat(),
            **({"previous_employer_id": str(current.employer_id)} if current else {}),
        },
    )
    return await _present(session, cipher, await _reload(session, person.id), actor, view="employment")


async def change_title(
    session: AsyncSession, cipher: PiiCipher, person_id: uuid.UUID, data: TitleCreate, *, actor: Principal
) -> PersonView:
    """A new title level (职称) from ``effective_date`` on; earlier levels stay in the history."""
    person = await _changeable(session, person_id, actor)
    current = person.titles[-1] if person.titles else None
    problem = dated_change_problem(
        current_since=current.effective_date if current else None,
        since=data.effective_date,
        today=today(),
        unchanged=person.title_level is data.title_level,
    )
    if problem:
        raise HistoryConflict(problem, errors=[_field_error("effective_date", problem)])
    previous = person.title_level
    person.title_level = data.title_level
    await repository.add_history(
        session, TitleChange(person_id=person.id, title_level=data.title_level, effective_date=data.effective_date)
    )
    await record_audit(
        session,
        audit_event,
        actor=actor,
        action="person.title_changed",
        object_type="person",
        object_id=person.id,
        details={
            "title_level": data.title_level.value,
            "previous_title_level": previous.value,
            "effective_date": data.effective_date.isoformat(),
        },
    )
    return await _present(session, cipher, await _reload(session, person.id), actor, view="title")


# ---- for institutions and other services -----------------------------------------------------------------
async def check_person(
    session: AsyncSession, cipher: PiiCipher, data: PersonCheck, *, actor: Principal
) -> tuple[bool, bool, bool | None]:
    """An institution's pre-check before enrolling a trainee: valid number? registered? same name?

    Each check is audited (who asked about which person), so probing the register shows in the trail.
    """
    try:
        number = parse_id_number(data.id_number, today=today())
    except IdNumberError:
        return False, False, None
    person = await repository.find_by_index(session, cipher.blind_index(number.number))
    await record_audit(
        session,
        audit_event,
        actor=actor,
        action="person.checked",
        object_type="person",
        object_id=person.id if person else "unregistered",
    )
    if person is None:
        return True, False, None
    return True, True, same_name(person.name, data.name)


async def registered(session: AsyncSession, person_id: uuid.UUID) -> Person:
    """A registered person, for our own services (no scope: machine clients of this deployment)."""
    person = await repository.get(session, person_id)
    if person is None:
        raise PersonNotFound(f"No person {person_id} is registered.")
    return person


# An answer in the wire shape of ``LookupResult``: plain dicts, serialised once by the route. A model per person
# (built, validated, dumped) took a quarter of the lookup's CPU.
LookupAnswer = dict[str, str | None]
# The same for everyone they concern: made once.
_UNKNOWN: LookupAnswer = {"status": "unknown_person", "reason": "No person with this ID number is registered."}
_MISMATCH: LookupAnswer = {
    "status": "name_mismatch",
    "reason": "The name differs from the one registered for this ID number.",
}


async def lookup_persons(reader: Reader, cipher: PiiCipher, items: list[LookupItem]) -> list[LookupAnswer]:
    """Resolves a batch of (ID number, name) pairs to people, in input order, with one query for the batch.

    Nothing is written, not even an audit row: the answer holds no name and no ID number (a mismatch does not
    tell the registered name), only what the hours service applies its rules by.
    """
    day = today()
    # Each distinct number is checked and indexed once (a trainee's several records in one batch).
    numbers: dict[str, bytes | LookupAnswer] = {}
    for item in items:
        raw = item["id_number"]
        if raw not in numbers:
            try:
                numbers[raw] = cipher.blind_index(normalise_id_number(raw, today=day))
            except IdNumberError as exc:
                numbers[raw] = {"status": "invalid_id_number", "reason": f"{exc.code}: {exc}"}
    rows = await repository.lookup_by_indexes(reader, {i for i in numbers.values() if isinstance(i, bytes)})
    # By blind index: the registered name, and the answer for that person (one dict however often they occur).
    people: dict[bytes, tuple[str, LookupAnswer]] = {}
    for person_id, index, name, region_code, employer_id, title_level, industry in rows:
        people[index] = (
            name,
            {
                "status": "found",
                "person_id": person_id,
                "region_code": region_code,
                "province_code": regions.province_of(region_code),
                "employer_id": employer_id,
                "title_level": title_level,
                "industry": industry,
            },
        )
    answers: list[LookupAnswer] = []
    for item in items:
        index = numbers[item["id_number"]]
        if not isinstance(index, bytes):
            answers.append(index)
        elif (person := people.get(index)) is None:
            answers.append(_UNKNOWN)
        else:
            registered, found = person
            answers.append(found if same_name(registered, item["name"]) else _MISMATCH)
    return answers


@dataclass(frozen=True)
class IdentityView:
    person: Person
    id_number: str
    organisations: list[Organisation]


async def identity(
    session: AsyncSession,
    cipher: PiiCipher,
    person_id: uuid.UUID,
    organisation_ids: list[uuid.UUID],
    *,
    actor: Principal,
) -> IdentityView:
    """The person's name and plaintext ID number for the certificates service (000 art. 14: the certificate
    number is the ID number; a statement carries a salted commitment to it, never the number). A read of
    personal information: audited like every plaintext answer, naming the calling service."""
    person = await repository.get(session, person_id)
    if person is None:
        raise PersonNotFound()
    number = _decrypt(cipher, person)
    if number is None:
        raise IdNumberUnreadable(
            "The stored ID number of this person cannot be read; the operators have been alerted. Quote the request id."
        )
    await record_audit(
        session,
        audit_event,
        actor=actor,
        action=ID_NUMBER_READ,
        object_type="person",
        object_id=person.id,
        details={"view": "identity"},
    )
    return IdentityView(person, number, await repository.organisations_by_ids(session, organisation_ids))


# ---- key rotation ----------------------------------------------------------------------------------------
async def reencrypt_id_numbers(
    session: AsyncSession, cipher: PiiCipher, *, limit: int = 500, actor: str = "system:pii-rotation"
) -> int:
    """Re-encrypts with the active key up to ``limit`` ID numbers made with another key; returns how many.

    For key rotation: make the new key active, then call this until it returns 0, committing in between (each
    call flushes one batch; the caller's transaction decides when it is durable). The blind index does not
    change (the index key is not rotated), so lookups work throughout.
    """
    rows = await repository.encrypted_with_other_keys(session, cipher.active, limit)
    if not rows:
        return 0
    from_keys = sorted({cipher.key_id_of(row.id_number_ciphertext) for row in rows})
    renewed = [
        (row, cipher.encrypt(cipher.decrypt(row.id_number_ciphertext, str(row.id)), str(row.id))) for row in rows
    ]
    await repository.replace_ciphertexts(session, renewed)
    await record_audit(
        session,
        audit_event,
        actor=actor,
        action="id_numbers.reencrypted",
        object_type="pii_key",
        object_id=cipher.active,
        details={"count": len(rows), "from_keys": from_keys},
    )
    return len(rows)


# ---- parts -----------------------------------------------------------------------------------------------
def _parse(raw: str) -> IdNumber:
    try:
        return parse_id_number(raw, today=today())
    except IdNumberError as exc:
        raise InvalidIdNumber(exc.code, str(exc)) from None


async def _employer(session: AsyncSession, employer_id: uuid.UUID) -> Organisation:
    employer = await organisations.get_in_register(session, OrganisationType.EMPLOYER, employer_id)
    if employer is None:
        raise UnknownEmployer()
    return employer


async def _readable(session: AsyncSession, person_id: uuid.UUID, actor: Principal, *, lock: bool = False) -> Person:
    """The person with their history, if the caller may see them; otherwise 404, as if they did not exist."""
    person = await repository.get_with_history(session, person_id, lock=lock)
    if person is None or not policy.person_scope(actor).admits_person(person):
        raise PersonNotFound()
    return person


async def _changeable(session: AsyncSession, person_id: uuid.UUID, actor: Principal) -> Person:
    person = await _readable(session, person_id, actor, lock=True)
    if not policy.person_change_scope(actor).admits_person(person):
        raise NotPermitted("You may see this person but not change their history.")
    return person


async def _reload(session: AsyncSession, person_id: uuid.UUID) -> Person:
    person = await repository.get_with_history(session, person_id)
    assert person is not None  # written in this transaction
    return person


async def _present(
    session: AsyncSession, cipher: PiiCipher, person: Person, actor: Principal, *, view: str
) -> PersonView:
    """The person as ``actor`` may see them. A full ID number in an answer is a read of personal information:
    it is audited (who, which person, through which view) in the same transaction."""
    if not policy.id_number_scope(actor).admits_person(person):
        return _masked(cipher, person)
    number = _decrypt(cipher, person)
    if number is None:
        raise IdNumberUnreadable(
            "The stored ID number of this person cannot be read; the operators have been alerted. Quote the request id."
        )
    await record_audit(
        session,
        audit_event,
        actor=actor,
        action=ID_NUMBER_READ,
        object_type="person",
        object_id=person.id,
        details={"view": view},
    )
    return PersonView(person, number, masked=False)


def _masked(cipher: PiiCipher, person: Person) -> PersonView:
    # A masked view does not need the number to be readable: one damaged row must not break a whole list.
    number = _decrypt(cipher, person)
    return PersonView(person, mask_id_number(number) if number else UNREADABLE_MASK, masked=True)


def _decrypt(cipher: PiiCipher, person: Person) -> str | None:
    try:
        return cipher.decrypt(person.id_number_ciphertext, str(person.id))
    except PiiKeyError as exc:
        log.error("the stored ID number of person %s does not decrypt: %s", person.id, exc)
        return None


def _field_error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "in": "body", "code": HistoryConflict.code, "message": message}


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None

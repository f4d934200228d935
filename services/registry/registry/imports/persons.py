"""Import of people (专业技术人员): one row per person, keyed by the blind index of the ID number.

New people are registered a chunk at a time rather than through ``registry.persons.service.register_person``
once per row. That use case costs about 9 ms of CPU per person here (some twenty statements: a savepoint, the
inserts, then a reload of the person with their history and an ``id_number_read`` audit for the answer it
returns), so 10,000 rows took two minutes; a chunk is one flush. What a registration *is* stays identical,
and ``tests/test_imports.py`` checks it against ``POST /v1/persons`` (row, history, audit):

* validation: the same request model (``PersonCreate``), ``parse_id_number``, known region, the policy's
  ``may_register_person``, the employer looked up in the employers' register;
* the stored person: the 18-character number encrypted with the row's id as associated data, its blind
  index, kind, sex and birth date from the number, the first title and employment without dates;
* the audit: one ``person.registered`` row per person, same details, through ``cekit.audit.record_audit``.

The one difference: no ``id_number_read`` audit, because an import answers no ID number.

If the chunk's insert meets a person registered meanwhile by someone else, the chunk is rolled back to its
savepoint and its rows go through ``register_person`` one by one, which tells each of them apart.
"""

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.audit import record_audit
from cekit.identifiers import IdNumber, IdNumberError, parse_id_number
from cekit.pii import PiiCipher
from cekit.tokens import Principal
from registry import policy
from registry.errors import PersonExists, UnknownEmployer
from registry.imports.importer import Candidate, Importer, ImportReport, flagged, region_problem, row_error
from registry.imports.rows import Columns, RowError, validate
from registry.models import Employment, Person, TitleChange, audit_event
from registry.organisations import repository as organisations
from registry.persons import repository
from registry.persons import service as persons
from registry.persons.rules import same_name, today
from registry.persons.schemas import PersonCreate
from registry.vocabulary import OrganisationType, Sex

PERSON_COLUMNS = Columns(
    ("id_number", "name", "region_code", "employer_id", "title_level", "industry"),
    optional=frozenset({"employer_id"}),
    text_only={"id_number": "ID numbers"},
)


class PersonImporter(Importer[PersonCreate, bytes, Person]):
    columns = PERSON_COLUMNS
    key_field, key_label, object_label = "id_number", "ID number", "person"
    exists_error = PersonExists

    def __init__(self, actor: Principal, cipher: PiiCipher) -> None:
        super().__init__(actor)
        self.cipher = cipher
        self.today = today()
        # An employer's admin registers its own staff: an empty employer_id means its own (as in the API).
        self.own_employer = _uuid_or_none(actor.org_id) if actor.has_role(policy.EMPLOYER) else None
        self.numbers: dict[bytes, IdNumber] = {}  # of the current chunk's rows, by blind index
        self.known_employers: dict[uuid.UUID, bool] = {}

    def prepare(
        self, line: int, texts: dict[str, str], problems: list[RowError]
    ) -> tuple[bytes | None, PersonCreate | None]:
        data, invalid = validate(PersonCreate, texts, line, flagged=flagged(problems))
        problems.extend(invalid)
        already = flagged(problems)
        key = None
        if "id_number" not in already:
            try:
                number = parse_id_number(texts["id_number"], today=self.today)
            except IdNumberError as exc:  # its message never repeats the number
                problems.append(RowError(line, exc.code, f"The ID number is not valid: {exc}.", "id_number"))
            else:
                key = self.cipher.blind_index(number.number)  # of the 18-character form: 15 digits match too
                self.numbers[key] = number
        region_problem(line, texts, already, problems)
        return key, (data if not problems else None)

    def employer_of(self, data: PersonCreate) -> uuid.UUID | None:
        return data.employer_id or self.own_employer

    def outside_scope(self, data: PersonCreate) -> tuple[str, str] | None:
        if policy.may_register_person(self.actor, data.region_code, self.employer_of(data)):
            return None
        if self.actor.has_role(policy.EMPLOYER):
            return "employer_id", "An employer's admin imports its own staff only: leave employer_id empty."
        return "region_code", f"{data.region_code} is outside your region: you import people of your region only."

    async def find_existing(self, session: AsyncSession, keys: list[bytes]) -> dict[bytes, Person]:
        found = await repository.find_by_indexes(session, keys)
        return {person.id_number_index: person for person in found}

    def differences(self, existing: Person, data: PersonCreate) -> list[str] | None:
        if not policy.person_scope(self.actor).admits_person(existing):
            return None  # as POST /v1/persons: it exists, but nothing more about it
        same = {
            "name": same_name(existing.name, data.name),
            "region_code": existing.region_code == data.region_code,
            "employer_id": existing.employer_id == self.employer_of(data),
            "title_level": existing.title_level == data.title_level,
            "industry": existing.industry == data.industry,
        }
        return [name for name, equal in same.items() if not equal]

    async def create(self, session: AsyncSession, data: PersonCreate) -> None:
        await persons.register_person(session, self.cipher, data, actor=self.actor)

    async def create_all(
        self, session: AsyncSession, report: ImportReport, new: list[Candidate[PersonCreate, bytes]]
    ) -> None:
        numbers, self.numbers = self.numbers, {}  # the next chunk starts afresh
        ready: list[Candidate[PersonCreate, bytes]] = []
        for candidate in new:
            employer = self.employer_of(candidate.data)
            if employer is not None and not await self._is_employer(session, employer):
                report.reject([row_error(candidate.line, UnknownEmployer())])
            else:
                ready.append(candidate)
        registrations = [self._registration(numbers[candidate.key], candidate.data) for candidate in ready]
        try:
            async with session.begin_nested():
                for person, history in registrations:
                    session.add(person)
                    session.add_all(history)
                await session.flush()
        except IntegrityError:
            # Someone registered one of these people since the lookup: the use case settles each row.
            await super().create_all(session, report, ready)
            return
        for person, _ in registrations:
            await record_audit(
                session,
                audit_event,
                actor=self.actor,
                action="person.registered",
                object_type="person",
                object_id=person.id,
                # Never the ID number, not even masked (as register_person).
                details={
                    "id_kind": person.id_kind.value,
                    "region_code": person.region_code,
                    "industry": person.industry,
                    "title_level": person.title_level.value,
                    **({"employer_id": str(person.employer_id)} if person.employer_id else {}),
                },
            )
        report.created += len(ready)

    def _registration(self, number: IdNumber, data: PersonCreate) -> tuple[Person, list[Employment | TitleChange]]:
        """The person and the first entries of their history, as ``register_person`` makes them."""
        person_id = uuid.uuid4()  # before encrypting: the ciphertext is bound to it
        employer_id = self.employer_of(data)
        person = Person(
            id=person_id,
            id_number_ciphertext=self.cipher.encrypt(number.number, str(person_id)),
            id_number_index=self.cipher.blind_index(number.number),
            id_kind=number.kind,
            name=data.name,
            sex=Sex(number.sex),
            birth_date=number.birth_date,
            region_code=data.region_code,
            industry=data.industry,
            employer_id=employer_id,
            title_level=data.title_level,
        )
        # What is known at registration has held since some day before it: no dates (as register_person).
        history: list[Employment | TitleChange] = [
            TitleChange(person_id=person_id, title_level=data.title_level, effective_date=None)
        ]
        if employer_id is not None:
            history.append(Employment(person_id=person_id, employer_id=employer_id, start_date=None))
        return person, history

    async def _is_employer(self, session: AsyncSession, employer_id: uuid.UUID) -> bool:
        # Few employers per file (an employer's admin: one), each looked up once per import.
        if employer_id not in self.known_employers:
            found = await organisations.get_in_register(session, OrganisationType.EMPLOYER, employer_id)
            self.known_employers[employer_id] = found is not None
        return self.known_employers[employer_id]


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None

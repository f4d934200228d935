"""Routes of people (专业技术人员), the institutions' pre-check and the other services' batch lookup.

Who may call each route is declared on it (roles from ``registry.policy``); the policy's scope rules then
decide whom the caller sees (anyone else answers 404) and whose ID number it sees in full.
"""

import uuid
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query, Response

from cekit.auth import require_roles
from cekit.db import ReaderDep, SessionDep
from cekit.problems import problem_responses
from cekit.routing import OrjsonRoute
from cekit.tokens import Principal
from registry import policy, regions
from registry.deps import CipherDep
from registry.pagination import PageDep
from registry.persons import service
from registry.persons.schemas import (
    EmploymentCreate,
    EmploymentOut,
    LookupFound,
    LookupRequest,
    LookupResponse,
    OrganisationName,
    PersonCheck,
    PersonCheckResult,
    PersonCreate,
    PersonDetail,
    PersonIdentity,
    PersonOut,
    PersonPage,
    TitleCreate,
    TitleOut,
)
from registry.persons.service import PersonView
from registry.schemas import IndustryFilter, RegionFilter

router = APIRouter(tags=["persons"])
internal_router = APIRouter(tags=["internal"], route_class=OrjsonRoute)  # lookups of up to 1,000 people

Registrar = Annotated[Principal, Depends(require_roles(*policy.PERSON_REGISTRARS))]
Reader = Annotated[Principal, Depends(require_roles(*policy.PERSON_READERS))]
Lister = Annotated[Principal, Depends(require_roles(*policy.PERSON_LISTERS))]
Editor = Annotated[Principal, Depends(require_roles(*policy.PERSON_EDITORS))]
Self = Annotated[Principal, Depends(require_roles(*policy.SELF))]
Checker = Annotated[Principal, Depends(require_roles(*policy.PERSON_CHECKERS))]
LookupService = Annotated[Principal, Depends(require_roles(*policy.PERSON_LOOKUP_SERVICES))]
IdentityService = Annotated[Principal, Depends(require_roles(*policy.PERSON_IDENTITY_SERVICES))]


@router.post(
    "/v1/persons",
    summary="Register a person under their real name (admin; HR official of their region; employer's admin, own staff)",
    status_code=201,
    response_model=PersonDetail,
    responses=problem_responses(401, 403, 409, 422),
)
async def register_person(body: PersonCreate, actor: Registrar, session: SessionDep, cipher: CipherDep) -> PersonDetail:
    return _detail(await service.register_person(session, cipher, body, actor=actor))


# Declared before /v1/persons/{person_id}, which would otherwise take "me" for an id.
@router.get(
    "/v1/persons/me",
    summary="The caller's own person record (role person)",
    response_model=PersonDetail,
    responses=problem_responses(401, 403, 404),
)
async def my_person(actor: Self, session: SessionDep, cipher: CipherDep) -> PersonDetail:
    return _detail(await service.my_person(session, cipher, actor=actor))


@router.get(
    "/v1/persons",
    summary="People the caller may see (ID numbers masked)",
    response_model=PersonPage,
    responses=problem_responses(401, 403, 422),
)
async def list_persons(
    actor: Lister,
    session: SessionDep,
    cipher: CipherDep,
    page: PageDep,
    region_code: RegionFilter = None,
    employer_id: Annotated[uuid.UUID | None, Query(description="current employer")] = None,
    industry: IndustryFilter = None,
) -> PersonPage:
    views, next_cursor = await service.list_persons(
        session, cipher, page, actor=actor, region_code=region_code, employer_id=employer_id, industry=industry
    )
    return PersonPage(items=[_summary(view) for view in views], next_cursor=next_cursor)


@router.post(
    "/v1/persons/checks",
    summary="Pre-check a trainee's ID number and name before enrolment (institutions)",
    description="Answers whether the number is valid, whether it is registered and whether the name matches; "
    "nothing else about the person. Every check is audited.",
    response_model=PersonCheckResult,
    responses=problem_responses(401, 403, 422),
)
async def check_person(body: PersonCheck, actor: Checker, session: SessionDep, cipher: CipherDep) -> PersonCheckResult:
    valid, registered, name_matches = await service.check_person(session, cipher, body, actor=actor)
    return PersonCheckResult(id_number_valid=valid, registered=registered, name_matches=name_matches)


@router.get(
    "/v1/persons/{person_id}",
    summary="One person, with employment and title history",
    response_model=PersonDetail,
    responses=problem_responses(401, 403, 404),
)
async def get_person(person_id: uuid.UUID, actor: Reader, session: SessionDep, cipher: CipherDep) -> PersonDetail:
    return _detail(await service.get_person(session, cipher, person_id, actor=actor))


@router.post(
    "/v1/persons/{person_id}/employments",
    summary="Record a move to an employer from a date: the current employment ends the day before",
    status_code=201,
    response_model=PersonDetail,
    responses=problem_responses(401, 403, 404, 422),
)
async def start_employment(
    person_id: uuid.UUID, body: EmploymentCreate, actor: Editor, session: SessionDep, cipher: CipherDep
) -> PersonDetail:
    return _detail(await service.start_employment(session, cipher, person_id, body, actor=actor))


@router.post(
    "/v1/persons/{person_id}/titles",
    summary="Record a new title level from a date",
    status_code=201,
    response_model=PersonDetail,
    responses=problem_responses(401, 403, 404, 422),
)
async def change_title(
    person_id: uuid.UUID, body: TitleCreate, actor: Editor, session: SessionDep, cipher: CipherDep
) -> PersonDetail:
    return _detail(await service.change_title(session, cipher, person_id, body, actor=actor))


@internal_router.post(
    "/v1/internal/registry/person-lookups",
    summary="Resolve up to 1,000 (ID number, name) pairs to people (our own services)",
    response_model=LookupResponse,
    responses=problem_responses(401, 403, 422),
)
async def lookup_persons(body: LookupRequest, actor: LookupService, reader: ReaderDep, cipher: CipherDep) -> Response:
    results = await service.lookup_persons(reader, cipher, body["items"])
    # Plain dicts serialised here, once: FastAPI would validate the finished answer (up to 1,000 results) again.
    return Response(orjson.dumps({"results": results}), media_type="application/json")


@internal_router.get(
    "/v1/internal/registry/persons/{person_id}/facts",
    summary="One person's region, employer, title and industry — no name, no ID number (our own services)",
    description="What the hours service needs to apply a person's rules before it has seen any record of theirs.",
    response_model=LookupFound,
    responses=problem_responses(401, 403, 404, 422),
)
async def person_facts(person_id: uuid.UUID, actor: LookupService, session: SessionDep) -> LookupFound:
    person = await service.registered(session, person_id)
    return LookupFound(
        person_id=person.id,
        region_code=person.region_code,
        province_code=regions.province_of(person.region_code),
        employer_id=person.employer_id,
        title_level=person.title_level,
        industry=person.industry,
    )


@internal_router.get(
    "/v1/internal/registry/persons/{person_id}/identity",
    summary="One person's name and ID number in plaintext, for their certificate (our certificates service)",
    description="Also the names of the organisations asked for by `organisation_id` (the institutions on the "
    "certificate, 000 art. 15); unknown ids are left out. Every answer is audited as a read of the ID number.",
    response_model=PersonIdentity,
    responses=problem_responses(401, 403, 404, 422),
)
async def person_identity(
    person_id: uuid.UUID,
    actor: IdentityService,
    session: SessionDep,
    cipher: CipherDep,
    organisation_id: Annotated[list[uuid.UUID] | None, Query(max_length=100)] = None,
) -> PersonIdentity:
    view = await service.identity(session, cipher, person_id, organisation_id or [], actor=actor)
    return PersonIdentity(
        person_id=view.person.id,
        id_number=view.id_number,
        name=view.person.name,
        region_code=view.person.region_code,
        organisations=[OrganisationName(id=org.id, name=org.name, type=org.type.value) for org in view.organisations],
    )


def _summary(view: PersonView) -> PersonOut:
    person = view.person
    return PersonOut(
        id=person.id,
        id_number=view.id_number,
        id_number_masked=view.masked,
        name=person.name,
        sex=person.sex,
        birth_date=view.birth_date,
        region_code=person.region_code,
        province_code=regions.province_of(person.region_code),
        employer_id=person.employer_id,
        title_level=person.title_level,
        industry=person.industry,
        created_at=person.created_at,
        updated_at=person.updated_at,
    )


def _detail(view: PersonView) -> PersonDetail:
    return PersonDetail(
        **_summary(view).model_dump(),
        employments=[EmploymentOut.model_validate(e) for e in view.person.employments],
        titles=[TitleOut.model_validate(t) for t in view.person.titles],
    )

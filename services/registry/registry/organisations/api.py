"""Routes of employers, institutions and authorities: register (POST), read, list and update (PATCH).

Who may call each route is declared on it (roles from ``registry.policy``); the scope rules of the policy
then decide which organisations the caller sees (others answer 404) and may change.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from cekit.auth import require_roles
from cekit.db import SessionDep
from cekit.problems import problem_responses
from cekit.tokens import Principal
from registry import policy
from registry.organisations import service
from registry.organisations.schemas import (
    AuthorityCreate,
    AuthorityOut,
    AuthorityPage,
    AuthorityPatch,
    EmployerCreate,
    EmployerOut,
    EmployerPage,
    EmployerPatch,
    InstitutionCreate,
    InstitutionOut,
    InstitutionPage,
    InstitutionPatch,
)
from registry.pagination import PageDep
from registry.schemas import IndustryFilter, RegionFilter
from registry.vocabulary import AuthorityKind, EmployerKind, InstitutionKind, OrganisationType

router = APIRouter()

Manager = Annotated[Principal, Depends(require_roles(*policy.ORGANISATION_MANAGERS))]
EmployerReader = Annotated[Principal, Depends(require_roles(*policy.EMPLOYER_READERS))]
InstitutionReader = Annotated[Principal, Depends(require_roles(*policy.INSTITUTION_READERS))]
AuthorityReader = Annotated[Principal, Depends(require_roles(*policy.AUTHORITY_READERS))]

EMPLOYER, INSTITUTION, AUTHORITY = OrganisationType.EMPLOYER, OrganisationType.INSTITUTION, OrganisationType.AUTHORITY
_CREATED = problem_responses(401, 403, 409, 422)
_READ = problem_responses(401, 403, 404)
_UPDATED = problem_responses(401, 403, 404, 422)
_LISTED = problem_responses(401, 403, 422)


# ---- employers (用人单位) ------------------------------------------------------------------------------------
@router.post(
    "/v1/employers",
    tags=["employers"],
    summary="Register an employer (admin; HR official of its region)",
    status_code=201,
    response_model=EmployerOut,
    responses=_CREATED,
)
async def register_employer(body: EmployerCreate, actor: Manager, session: SessionDep) -> EmployerOut:
    return EmployerOut.model_validate(await service.register_employer(session, body, actor=actor))


@router.get("/v1/employers", tags=["employers"], summary="Employers the caller may see", responses=_LISTED)
async def list_employers(
    actor: EmployerReader,
    session: SessionDep,
    page: PageDep,
    region_code: RegionFilter = None,
    industry: IndustryFilter = None,
    kind: EmployerKind | None = None,
) -> EmployerPage:
    rows, next_cursor = await service.list_organisations(
        session, EMPLOYER, page, actor=actor, region_code=region_code, industry=industry, kind=kind
    )
    return EmployerPage(items=[EmployerOut.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get("/v1/employers/{employer_id}", tags=["employers"], summary="One employer", responses=_READ)
async def get_employer(employer_id: uuid.UUID, actor: EmployerReader, session: SessionDep) -> EmployerOut:
    return EmployerOut.model_validate(await service.get_organisation(session, EMPLOYER, employer_id, actor=actor))


@router.patch(
    "/v1/employers/{employer_id}",
    tags=["employers"],
    summary="Change an employer's name, contact, kind or industry (admin; HR official of its region)",
    responses=_UPDATED,
)
async def update_employer(
    employer_id: uuid.UUID, body: EmployerPatch, actor: Manager, session: SessionDep
) -> EmployerOut:
    updated = await service.update_organisation(session, EMPLOYER, employer_id, body.changes(), actor=actor)
    return EmployerOut.model_validate(updated)


# ---- institutions (施教机构) ---------------------------------------------------------------------------------
@router.post(
    "/v1/institutions",
    tags=["institutions"],
    summary="Register a training institution (admin; HR official of its region)",
    status_code=201,
    response_model=InstitutionOut,
    responses=_CREATED,
)
async def register_institution(body: InstitutionCreate, actor: Manager, session: SessionDep) -> InstitutionOut:
    return InstitutionOut.model_validate(await service.register_institution(session, body, actor=actor))


@router.get("/v1/institutions", tags=["institutions"], summary="Institutions the caller may see", responses=_LISTED)
async def list_institutions(
    actor: InstitutionReader,
    session: SessionDep,
    page: PageDep,
    region_code: RegionFilter = None,
    kind: InstitutionKind | None = None,
) -> InstitutionPage:
    rows, next_cursor = await service.list_organisations(
        session, INSTITUTION, page, actor=actor, region_code=region_code, kind=kind
    )
    return InstitutionPage(items=[InstitutionOut.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get("/v1/institutions/{institution_id}", tags=["institutions"], summary="One institution", responses=_READ)
async def get_institution(institution_id: uuid.UUID, actor: InstitutionReader, session: SessionDep) -> InstitutionOut:
    found = await service.get_organisation(session, INSTITUTION, institution_id, actor=actor)
    return InstitutionOut.model_validate(found)


@router.patch(
    "/v1/institutions/{institution_id}",
    tags=["institutions"],
    summary="Change an institution's name, contact or kind (admin; HR official of its region)",
    responses=_UPDATED,
)
async def update_institution(
    institution_id: uuid.UUID, body: InstitutionPatch, actor: Manager, session: SessionDep
) -> InstitutionOut:
    updated = await service.update_organisation(session, INSTITUTION, institution_id, body.changes(), actor=actor)
    return InstitutionOut.model_validate(updated)


# ---- authorities (主管部门) ----------------------------------------------------------------------------------
@router.post(
    "/v1/authorities",
    tags=["authorities"],
    summary="Register an HR or industry authority (admin; HR official, below its own level in its region)",
    status_code=201,
    response_model=AuthorityOut,
    responses=_CREATED,
)
async def register_authority(body: AuthorityCreate, actor: Manager, session: SessionDep) -> AuthorityOut:
    return AuthorityOut.model_validate(await service.register_authority(session, body, actor=actor))


@router.get("/v1/authorities", tags=["authorities"], summary="Authorities the caller may see", responses=_LISTED)
async def list_authorities(
    actor: AuthorityReader,
    session: SessionDep,
    page: PageDep,
    region_code: RegionFilter = None,
    kind: AuthorityKind | None = None,
) -> AuthorityPage:
    rows, next_cursor = await service.list_organisations(
        session, AUTHORITY, page, actor=actor, region_code=region_code, kind=kind
    )
    return AuthorityPage(items=[AuthorityOut.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get("/v1/authorities/{authority_id}", tags=["authorities"], summary="One authority", responses=_READ)
async def get_authority(authority_id: uuid.UUID, actor: AuthorityReader, session: SessionDep) -> AuthorityOut:
    return AuthorityOut.model_validate(await service.get_organisation(session, AUTHORITY, authority_id, actor=actor))


@router.patch(
    "/v1/authorities/{authority_id}",
    tags=["authorities"],
    summary="Change an authority's name or contact (admin; HR official of a higher level over its region)",
    responses=_UPDATED,
)
async def update_authority(
    authority_id: uuid.UUID, body: AuthorityPatch, actor: Manager, session: SessionDep
) -> AuthorityOut:
    updated = await service.update_organisation(session, AUTHORITY, authority_id, body.changes(), actor=actor)
    return AuthorityOut.model_validate(updated)

"""Routes of the subject catalogue (thin)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import Row

from cekit.auth import PrincipalDep
from cekit.db import SessionDep
from cekit.problems import problem_responses
from hours.catalogue import repository, service
from hours.catalogue.schemas import CODE_PATTERN, CourseIn, CourseOut, CoursePage

router = APIRouter(tags=["subject catalogue"])

Code = Annotated[str, Path(pattern=CODE_PATTERN)]
Year = Annotated[int, Query(ge=2000, le=2100)]


@router.post(
    "/v1/catalogue/courses",
    summary="Publish a course: public subjects by HR authorities for their region, professional subjects by an "
    "industry authority for its industry (000 art. 3; 001 §2.1); required (必修) public courses (004 §3)",
    status_code=201,
    response_model=CourseOut,
    responses={
        200: {"description": "The same course was published before (identical content)", "model": CourseOut},
        **problem_responses(401, 403, 409, 422),
    },
)
async def publish_course(body: CourseIn, actor: PrincipalDep, session: SessionDep, response: Response) -> CourseOut:
    row, created = await service.publish(session, actor, body)
    if not created:
        response.status_code = 200
    return _out(row)


@router.get(
    "/v1/catalogue/courses",
    summary="The subject catalogue, by year and code (cursor pagination); any authenticated caller",
    response_model=CoursePage,
    responses=problem_responses(400, 401, 422),
)
async def list_courses(
    actor: PrincipalDep,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    category: Literal["public", "professional"] | None = None,
    region_code: Annotated[
        str | None,
        Query(
            pattern=r"^\d{6}$",
            description="courses that apply in this region: published for it, its city, its province or nationwide",
        ),
    ] = None,
    industry: Annotated[str | None, Query(min_length=1, max_length=60)] = None,
    required: bool | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CoursePage:
    rows, next_cursor = await repository.page(
        session,
        year=year,
        category=category,
        applies_in=region_code,
        industry=industry,
        required=required,
        cursor=cursor,
        limit=limit,
    )
    return CoursePage(items=[_out(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/v1/catalogue/courses/{code}",
    summary="A course of a year's catalogue",
    response_model=CourseOut,
    responses=problem_responses(401, 404, 422),
)
async def get_course(code: Code, year: Year, actor: PrincipalDep, session: SessionDep) -> CourseOut:
    return _out(await service.read(session, year, code))


@router.delete(
    "/v1/catalogue/courses/{code}",
    summary="Withdraw a course (an authority that may publish it), only while no learning record cites it",
    status_code=204,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def withdraw_course(code: Code, year: Year, actor: PrincipalDep, session: SessionDep) -> Response:
    await service.withdraw(session, actor, year, code)
    return Response(status_code=204)


def _out(row: Row[Any]) -> CourseOut:
    return CourseOut.model_validate(row._mapping, from_attributes=False)

"""Publishing and withdrawing courses of the subject catalogue; reading it.

Who publishes what (000 art. 3(1): the province HR authority publishes the public-subject guide, provincial
industry authorities publish their industry's professional-subject guide; 001 §2.1: city HR authorities may add
local public subjects; 004 §1–3: Kaifeng's city HR authority sets its public courses and which are required):

=====================  ===========================================================================================
caller                 may publish / withdraw
=====================  ===========================================================================================
hr_official            public subjects for its authority's region or a region within it
industry_official      professional subjects of its own industry, for its region (nationwide when it has none)
admin                  both, for any region (nationwide by default)
=====================  ===========================================================================================

The catalogue is public information for institutions and people: any authenticated caller reads it.

A course code is unique per year across the deployment (a deployment serves one province). A published course is
never overwritten: publishing the same code again answers the course when the content is identical and 409
otherwise; a course may be withdrawn (and published anew) only while no learning record cites it.
"""

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.tokens import Principal
from hours import access, regions
from hours.audit import audit
from hours.catalogue import repository
from hours.catalogue.schemas import CourseIn
from hours.errors import CourseCited, CourseExists, CourseNotFound, NotPermitted, OutsideScope

# What a course is; a repeat of these is the same course (published_by / published_at are not content).
CONTENT = ("code", "year", "category", "title", "required", "hours", "industry", "region_code", "source")


def publishing_region(principal: Principal, category: str, industry: str | None, region_code: str | None) -> str:
    """Where the course will apply; refuses what the caller may not publish (or withdraw)."""
    if principal.has_role(access.ADMIN):
        return region_code or regions.NATIONAL
    if category == "public":
        if not principal.has_role(access.HR) or not principal.region_code:
            raise NotPermitted("Public subjects are published by HR authorities (000 art. 3(1); 001 §2.1).")
        own = principal.region_code
    else:
        if not principal.has_role(access.INDUSTRY) or not principal.industry or principal.industry != industry:
            raise NotPermitted(
                f"Professional subjects of {industry!r} are published by that industry's authority (000 art. 3(1))."
            )
        own = principal.region_code or regions.NATIONAL
    wanted = region_code or own
    if not regions.within(wanted, own):
        raise OutsideScope(f"Region {wanted} lies outside your authority's region {own}.")
    return wanted


async def publish(session: AsyncSession, principal: Principal, body: CourseIn) -> tuple[Row[Any], bool]:
    """The course, and whether it is new (an identical repeat answers the course already published)."""
    region = publishing_region(principal, body.category, body.industry, body.region_code)
    values = {**body.model_dump(), "region_code": region}
    row = await repository.insert_course(session, {**values, "published_by": principal.subject})
    if row is None:
        # ON CONFLICT waited for a concurrent publisher to commit, so the course it wrote is there to compare.
        existing = await repository.get(session, body.year, body.code)
        assert existing is not None
        if {key: getattr(existing, key) for key in CONTENT} != values:
            raise CourseExists(
                f"Course {body.code} is already published for {body.year} with other content; a published course "
                "is not overwritten (withdraw it first, possible only while no record cites it).",
                published_by=existing.published_by,
            )
        return existing, False
    await audit(
        session,
        principal,
        "course.published",
        "catalogue_course",
        _object_id(body.year, body.code),
        reason=body.source,
        details={key: _json(value) for key, value in values.items()},
    )
    return row, True


async def withdraw(session: AsyncSession, principal: Principal, year: int, code: str) -> None:
    """Takes a course out of the catalogue, by an authority that may publish it, while no record cites it."""
    row = await repository.get(session, year, code, for_update=True)  # intake holds cited courses FOR KEY SHARE
    if row is None:
        raise CourseNotFound(f"No course {code} in the {year} catalogue.")
    publishing_region(principal, row.category, row.industry, row.region_code)
    if await repository.is_cited(session, year, code):
        raise CourseCited(f"Learning records cite course {code} of {year}; it can no longer be withdrawn.")
    await repository.delete_course(session, year, code)
    await audit(
        session,
        principal,
        "course.withdrawn",
        "catalogue_course",
        _object_id(year, code),
        details={key: _json(getattr(row, key)) for key in CONTENT},
    )


async def read(session: AsyncSession, year: int, code: str) -> Row[Any]:
    row = await repository.get(session, year, code)
    if row is None:
        raise CourseNotFound(f"No course {code} in the {year} catalogue.")
    return row


def _object_id(year: int, code: str) -> str:
    return f"{year}:{code}"


def _json(value: object) -> object:
    return value if value is None or isinstance(value, bool | int | str) else str(value)

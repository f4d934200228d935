"""Route of statistics (thin; ``statistics.service`` does the work): JSON pages, or every row as CSV."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from cekit.auth import require_roles
from cekit.db import SessionDep
from cekit.problems import problem_responses
from cekit.tokens import Principal
from hours import access
from hours.deps import PolicyDep
from hours.statistics import service
from hours.statistics.schemas import GroupBy, StatisticsPage

router = APIRouter(tags=["statistics"])

Reader = Annotated[Principal, Depends(require_roles(access.ADMIN, access.HR, access.INDUSTRY, access.EMPLOYER))]
Year = Annotated[int | None, Query(ge=2000, le=2100)]
CSV = "text/csv"


@router.get(
    "/v1/statistics",
    summary="Persons, hours and compliance in your scope by region, industry, employer or year (000 art. 17; "
    "001 §7.3); JSON pages, or every row as CSV with `format=csv` or `Accept: text/csv`",
    response_model=StatisticsPage,
    responses={
        200: {
            "description": "A page of rows (JSON), or every row as a CSV download (UTF-8 with a byte-order mark)",
            "content": {CSV: {"schema": {"type": "string"}}},
        },
        **problem_responses(401, 403, 422),
    },
)
async def get_statistics(
    request: Request,
    actor: Reader,
    session: SessionDep,
    book: PolicyDep,
    group_by: GroupBy = GroupBy.REGION,
    year: Year = None,
    from_year: Annotated[int | None, Query(ge=2000, le=2100, description="with group_by=year")] = None,
    to_year: Annotated[int | None, Query(ge=2000, le=2100, description="with group_by=year")] = None,
    region_code: Annotated[
        str | None, Query(pattern=r"^\d{6}$", description="people of this region, its sub-regions included")
    ] = None,
    industry: Annotated[str | None, Query(min_length=1, max_length=60)] = None,
    employer_id: uuid.UUID | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    format: Annotated[Literal["json", "csv"] | None, Query(description="overrides the Accept header")] = None,
) -> StatisticsPage | StreamingResponse:
    query = service.build_query(
        group_by,
        year=year,
        from_year=from_year,
        to_year=to_year,
        region_code=region_code,
        industry=industry,
        employer_id=employer_id,
    )
    if not _wants_csv(format, request.headers.get("accept", "")):
        return await service.page(session, book, actor, query, cursor=cursor, limit=limit)
    # The rows are counted here, inside the request's transaction; only their text is streamed afterwards.
    rows = await service.export(session, book, actor, query)
    return StreamingResponse(
        service.csv_chunks(query, rows),
        media_type=f"{CSV}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{service.csv_filename(query)}"'},
    )


def _wants_csv(format: str | None, accept: str) -> bool:
    """``format`` when given; else CSV when the Accept header ranks text/csv above JSON (ties go to JSON)."""
    if format is not None:
        return format == "csv"
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[media.lower()] = weight
    return weights.get(CSV, 0.0) > weights.get("application/json", 0.0)

"""Route of annual compliance (thin; ``compliance.service`` does the work)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from cekit.auth import PrincipalDep
from cekit.db import ReaderDep
from cekit.problems import problem_responses
from hours.compliance import service
from hours.compliance.schemas import ComplianceOut
from hours.deps import PolicyDep, RegistryDep

router = APIRouter(tags=["compliance"])


@router.get(
    "/v1/compliance/{person_id}",
    summary="A person's year: required, credited and pending hours, the shortfall and the ledger entries",
    response_model=ComplianceOut,
    responses=problem_responses(401, 404, 422),
)
async def get_compliance(
    person_id: uuid.UUID,
    year: Annotated[int, Query(ge=2000, le=2100)],
    actor: PrincipalDep,
    reader: ReaderDep,
    book: PolicyDep,
    registry: RegistryDep,
) -> Response:
    answer = await service.compliance(reader, book, actor, person_id, year, registry)
    # Serialised here: FastAPI would validate the finished model against ``response_model`` once more.
    return Response(answer.model_dump_json(), media_type="application/json")

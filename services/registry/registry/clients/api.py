"""Routes of machine clients."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from cekit.auth import require_roles
from cekit.db import SessionDep
from cekit.problems import problem_responses
from cekit.tokens import Principal
from registry.clients import service
from registry.clients.schemas import ClientCreate, ClientCreated

router = APIRouter(tags=["clients"])

AdminDep = Annotated[Principal, Depends(require_roles("admin"))]


@router.post(
    "/v1/clients",
    summary="Register a machine client (admin); its secret is shown in this answer only",
    status_code=201,
    response_model=ClientCreated,
    responses=problem_responses(401, 403, 422),
)
async def create_client(body: ClientCreate, admin: AdminDep, session: SessionDep, response: Response) -> ClientCreated:
    created = await service.create_client(session, body, actor=admin)
    response.headers["Cache-Control"] = "no-store"  # the secret must not linger in any cache
    client = created.client
    return ClientCreated(
        client_id=client.client_id,
        client_secret=created.secret,
        token_endpoint_auth_method="client_secret_basic" if created.secret is not None else "private_key_jwt",
        name=client.name,
        role=client.role,
        org_id=client.org_id,
        created_at=client.created_at,
    )

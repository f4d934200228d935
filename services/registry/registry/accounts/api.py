"""Routes of user accounts."""

from typing import Annotated

from fastapi import APIRouter, Depends

from cekit.auth import PrincipalDep, require_roles
from cekit.db import SessionDep
from cekit.problems import problem_responses
from cekit.tokens import Principal
from registry.accounts import service
from registry.accounts.schemas import AccountCreate, AccountOut
from registry.deps import PasswordsDep

router = APIRouter(tags=["accounts"])

AdminDep = Annotated[Principal, Depends(require_roles("admin"))]


@router.post(
    "/v1/accounts",
    summary="Create a user account (admin)",
    status_code=201,
    response_model=AccountOut,
    responses=problem_responses(401, 403, 409, 422),
)
async def create_account(
    body: AccountCreate, admin: AdminDep, session: SessionDep, passwords: PasswordsDep
) -> AccountOut:
    account = await service.create_account(session, passwords, body, actor=admin)
    return AccountOut.model_validate(account)


@router.get(
    "/v1/accounts/me",
    summary="The caller's own account",
    description="Any token from a password login. A machine client's token has no account: 404 `no_account`.",
    response_model=AccountOut,
    responses=problem_responses(401, 404),
)
async def my_account(principal: PrincipalDep, session: SessionDep) -> AccountOut:
    return AccountOut.model_validate(await service.my_account(session, principal))

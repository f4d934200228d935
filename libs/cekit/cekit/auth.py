"""FastAPI dependencies that authenticate the caller from the bearer token, never from gateway headers."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from cekit.problems import Forbidden, Unauthorized
from cekit.tokens import Principal, TokenError, TokenVerifier, bearer_token


async def current_principal(request: Request) -> Principal:
    verifier: TokenVerifier = request.app.state.token_verifier
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise Unauthorized(
            "This operation needs a bearer access token (Authorization: Bearer ...).", code="token_missing"
        )
    try:
        return await verifier.verify(token)
    except TokenError as exc:
        raise Unauthorized(f"The access token was refused: {exc}.", code="token_invalid") from exc


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that admits only callers holding one of ``roles``."""

    async def dependency(principal: PrincipalDep) -> Principal:
        if not principal.has_role(*roles):
            raise Forbidden(f"This operation needs one of the roles: {', '.join(roles)}.", code="role_required")
        return principal

    dependency.__name__ = "require_" + "_or_".join(roles)
    return dependency

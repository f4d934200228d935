"""Routes of the token issuer: token, revocation and the public keys. All three are public by nature."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from cekit.db import SessionDep
from cekit.problems import problem_response, problem_responses
from registry.auth.oauth import client_credentials, read_form, require
from registry.auth.schemas import JsonWebKeySet, RevocationForm, TokenForm, TokenResponse, form_body
from registry.auth.service import TokenService
from registry.deps import PUBLIC, KeysDep, PasswordsDep, SettingsDep
from registry.errors import OAuthError, UnsupportedGrantType

router = APIRouter(tags=["auth"])

# RFC 6749 §5.1: responses carrying tokens must not be cached anywhere.
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
GRANT_TYPES = ("password", "client_credentials", "refresh_token")


@router.post(
    "/v1/auth/token",
    summary="Issue an access token (OAuth 2.0 password, client_credentials or refresh_token grant)",
    dependencies=[PUBLIC],
    response_model=TokenResponse,
    response_model_exclude_none=True,
    responses=problem_responses(400, 401, 429, 503),
    openapi_extra=form_body(TokenForm),
)
async def issue_token(
    request: Request, session: SessionDep, settings: SettingsDep, keys: KeysDep, passwords: PasswordsDep
) -> Response:
    service = TokenService(session, settings, keys, passwords)
    try:
        params = await read_form(request)
        credentials = client_credentials(request.headers.get("authorization"), params)
        grant_type = require(params, "grant_type")
        if grant_type == "password":
            username, password = require(params, "username"), require(params, "password")
            issued = await service.password_grant(username, password, credentials)
        elif grant_type == "client_credentials":
            issued = await service.client_credentials_grant(credentials)
        elif grant_type == "refresh_token":
            issued = await service.refresh_grant(require(params, "refresh_token"), credentials)
        else:
            raise UnsupportedGrantType(f"The grant type {grant_type!r} is not supported; use one of {GRANT_TYPES}.")
    except OAuthError as exc:
        # Answered, not raised: the unit of work then commits what the refusal itself recorded (a counted
        # failure, a revoked family, the audit row). See registry.auth.service.
        return _refusal(request, exc)
    body = TokenResponse(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token,
        scope=issued.scope,
    )
    return JSONResponse(body.model_dump(exclude_none=True), headers=_NO_STORE)


@router.post(
    "/v1/auth/revoke",
    summary="Revoke a refresh token and every token of its login (RFC 7009)",
    dependencies=[PUBLIC],
    status_code=200,
    response_class=Response,
    responses={200: {"description": "Revoked, or nothing to revoke"}, **problem_responses(400, 401)},
    openapi_extra=form_body(RevocationForm),
)
async def revoke_token(
    request: Request, session: SessionDep, settings: SettingsDep, keys: KeysDep, passwords: PasswordsDep
) -> Response:
    try:
        params = await read_form(request)
        credentials = client_credentials(request.headers.get("authorization"), params)
        await TokenService(session, settings, keys, passwords).revoke(require(params, "token"), credentials)
    except OAuthError as exc:
        return _refusal(request, exc)
    return Response(status_code=200, headers=_NO_STORE)


@router.get(
    "/.well-known/jwks.json",
    summary="The public keys that verify access tokens",
    dependencies=[PUBLIC],
    response_model=JsonWebKeySet,
)
async def jwks(keys: KeysDep) -> Response:
    return JSONResponse(keys.jwks(), headers={"Cache-Control": "public, max-age=300"})


def _refusal(request: Request, exc: OAuthError) -> Response:
    return problem_response(
        exc.status,
        exc.detail,
        code=exc.code,
        title=exc.title,
        headers=exc.headers,
        instance=request.url.path,
        **exc.extensions,
    )

"""Reading an OAuth 2.0 request (RFC 6749): its form parameters and how the client authenticated."""

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import unquote_plus

import jwt
from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry.errors import InvalidClient, InvalidRequest

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# A token request has at most a handful of short parameters; anything bigger is not one.
_MAX_FIELDS = 20
_MAX_FIELD_BYTES = 8 * 1024


async def read_form(request: Request) -> dict[str, str]:
    """The request's parameters; an empty value counts as absent (RFC 6749 §3.1)."""
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type != FORM_CONTENT_TYPE:
        raise InvalidRequest(f"Send the parameters as {FORM_CONTENT_TYPE} (RFC 6749 §4).")
    try:
        form = await request.form(max_fields=_MAX_FIELDS, max_part_size=_MAX_FIELD_BYTES)
    except StarletteHTTPException as exc:
        raise InvalidRequest(f"The form body cannot be read: {exc.detail}") from exc
    params: dict[str, str] = {}
    for name in set(form.keys()):
        values = form.getlist(name)
        if len(values) > 1:  # RFC 6749 §3.1: parameters MUST NOT be included more than once
            raise InvalidRequest(f"The parameter {name!r} was sent more than once.")
        value = values[0]
        if isinstance(value, UploadFile):
            raise InvalidRequest(f"The parameter {name!r} must be text.")
        if value != "":
            params[name] = value
    return params


def require(params: dict[str, str], name: str) -> str:
    value = params.get(name)
    if value is None:
        raise InvalidRequest(f"The parameter {name!r} is missing.")
    return value


JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True)
class ClientCredentials:
    """The client as the request identified it: by its secret, by a signed assertion (RFC 7523
    ``private_key_jwt``), or neither (``secret`` and ``assertion`` both None: the public client)."""

    client_id: str
    secret: str | None
    assertion: str | None = None


def client_credentials(authorization: str | None, params: dict[str, str]) -> ClientCredentials | None:
    """HTTP Basic (RFC 6749 §2.3.1) or ``client_id``/``client_secret`` in the body, never both."""
    if "client_assertion" in params or "client_assertion_type" in params:
        return _assertion_credentials(authorization, params)
    basic = _basic_credentials(authorization)
    form_id, form_secret = params.get("client_id"), params.get("client_secret")
    if basic is not None:
        if form_secret is not None:
            raise InvalidRequest("Authenticate the client with HTTP Basic or with client_secret, not both.")
        if form_id is not None and form_id != basic.client_id:
            raise InvalidRequest("The client_id in the body differs from the one in the Authorization header.")
        return basic
    if form_id is None:
        if form_secret is not None:
            raise InvalidRequest("client_secret was sent without client_id.")
        return None
    return ClientCredentials(form_id, form_secret)


def _basic_credentials(authorization: str | None) -> ClientCredentials | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidClient("The Basic credentials are not valid base64 of client_id:client_secret.") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id:
        raise InvalidClient("The Basic credentials are not valid base64 of client_id:client_secret.")
    # RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
    return ClientCredentials(unquote_plus(client_id), unquote_plus(secret) or None)


def _assertion_credentials(authorization: str | None, params: dict[str, str]) -> ClientCredentials:
    """RFC 7523 §2.2: the client proves itself with a JWT signed by a key it registered; one method only."""
    if params.get("client_assertion_type") != JWT_BEARER_ASSERTION:
        raise InvalidClient(f"client_assertion_type must be {JWT_BEARER_ASSERTION}.")
    assertion = require(params, "client_assertion")
    if "client_secret" in params or _basic_credentials(authorization) is not None:
        raise InvalidRequest("Authenticate the client with one method only: a secret or an assertion.")
    try:
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.DecodeError:
        raise InvalidClient("The client assertion is not a well-formed JWT.") from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidClient("The client assertion names no client (sub).")
    if params.get("client_id") not in (None, subject):
        raise InvalidRequest("client_id differs from the client assertion's subject.")
    return ClientCredentials(subject, None, assertion)

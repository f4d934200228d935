"""Route of the status lists: public, cacheable (ETag, Cache-Control), the signed list as ``application/vc+jwt``."""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response

from cekit.db import SessionDep
from cekit.problems import problem_responses
from certificates.deps import ServicesDep
from certificates.errors import SigningKeyMissing
from certificates.statuslists import service

router = APIRouter(tags=["status lists"])

VC_JWT = "application/vc+jwt"


@router.get(
    "/v1/status-lists/{list_id}",
    summary="A signed W3C Bitstring Status List credential (revocation or suspension); anyone, cacheable",
    description="A compact JWS (`typ: vc+jwt`) of a `BitstringStatusListCredential` whose `encodedList` is the "
    "bitstring GZIP-compressed and base64url-encoded behind the multibase prefix `u`. Index 0 is the most "
    "significant bit of the first byte. Answers `304` to a matching `If-None-Match`.",
    response_class=Response,
    responses={
        200: {"content": {VC_JWT: {"schema": {"type": "string"}}}, "description": "the signed status list"},
        304: {"description": "not modified since the ETag given"},
        **problem_responses(404, 422, 503),
    },
)
async def get_status_list(
    list_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    services: ServicesDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    settings = services.settings
    key = services.keys.active()
    if key is None:
        raise SigningKeyMissing("No signing key is configured; the status lists cannot be signed.")
    version = await service.current_version(session, list_id)
    headers = {
        "Cache-Control": f"public, max-age={settings.status_list_max_age_seconds}",
        "ETag": service.etag(list_id, version, key.kid),
    }
    if if_none_match is not None and _matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    served = await service.signed_list(
        session,
        services.status_lists,
        key,
        list_id,
        version,
        issuer=settings.issuer_id,
        base_url=settings.public_base_url,
        ttl_seconds=settings.status_list_max_age_seconds,
    )
    headers["ETag"] = served.etag
    return Response(served.credential, media_type=VC_JWT, headers=headers)


def _matches(if_none_match: str, etag: str) -> bool:
    # RFC 9110 §13.1.2: a list of entity tags (weak comparison), or "*".
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags

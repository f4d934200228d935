"""Route of verification: public (no token), read-only."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError

from cekit.problems import problem_responses
from certificates.deps import Services
from certificates.verification.schemas import CheckOut, SubjectOut, VerificationOut, VerificationRequest
from certificates.verification.verifier import Verification

JSON = "application/json"


class VerificationRoute(APIRoute):
    """``POST /v1/verifications`` is the platform's busiest call (anyone may verify, issue 5 asks for 1,200/s on
    one process): a well-formed JSON request goes straight from its body to the endpoint, without FastAPI's
    generic request handling (content-type parsing with ``email.message``, the body parsed to Python objects
    and then validated, dependency solving, the response validated again): about 100 µs of the ~600 µs of CPU
    the request took (measured in-process, as ``scripts/bench_certificates.py --profile yes`` does). The body is
    validated by the same model; anything else (another content type, a body the model refuses) goes through
    FastAPI's own handler, so error answers stay exactly FastAPI's. The route keeps its endpoint, so the OpenAPI
    document is unchanged."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        general = super().get_route_handler()

        async def handle(request: Request) -> Response:
            if _is_json(request.scope["headers"]):
                try:
                    body = VerificationRequest.model_validate_json(await request.body())
                except ValidationError:
                    pass  # FastAPI's handler reads the same (cached) body and answers the 422
                else:
                    return await verify(body, request)
            return await general(request)

        return handle


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"content-type":
            return value.partition(b";")[0].strip().lower() == b"application/json"
    return False


router = APIRouter(tags=["verification"], route_class=VerificationRoute)


@router.post(
    "/v1/verifications",
    summary="Verify a statement (ours or a partner province's): a report of every check; anyone, no login",
    description="`valid` is true only when format, issuer, signature, validity dates, status and subject all pass. "
    "A check that could not be decided (a partner's keys or status list out of reach) makes the verdict "
    "`indeterminate`, never `invalid`. Give `id_number` to check that the credential is that person's.",
    response_model=VerificationOut,
    responses=problem_responses(422),
)
async def verify(body: VerificationRequest, request: Request) -> Response:
    services: Services = request.app.state.services
    report = present(await services.verifier.verify(body.credential, id_number=body.id_number))
    # Serialised once, by the model's own serialiser: returned as bytes, FastAPI does not validate it again.
    return Response(report.__pydantic_serializer__.to_json(report), media_type=JSON)


def present(result: Verification) -> VerificationOut:
    subject = result.subject
    credential = result.credential or {}
    return VerificationOut(
        valid=result.valid,
        verdict=result.verdict,
        reason=result.reason,
        status=result.status,
        issuer=result.issuer,
        issuer_name=result.issuer_name,
        credential_id=result.credential_id,
        valid_from=_text(credential.get("validFrom")),
        valid_until=_text(credential.get("validUntil")),
        subject=SubjectOut(
            id=_text(subject.get("id")),
            name=_text(subject.get("name")),
            masked_id_number=_text(subject.get("maskedIdNumber")),
            year=subject.get("year") if isinstance(subject.get("year"), int) else None,
        )
        if subject is not None
        else None,
        checks=[CheckOut(check=c.check, passed=c.passed, detail=c.detail) for c in result.checks],
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None

"""Route of verification: public (no token), read-only."""

from fastapi import APIRouter

from cekit.problems import problem_responses
from certificates.deps import ServicesDep
from certificates.verification.schemas import CheckOut, SubjectOut, VerificationOut, VerificationRequest
from certificates.verification.verifier import Verification

router = APIRouter(tags=["verification"])


@router.post(
    "/v1/verifications",
    summary="Verify a statement (ours or a partner province's): a report of every check; anyone, no login",
    description="`valid` is true only when format, issuer, signature, validity dates, status and subject all pass. "
    "A check that could not be decided (a partner's keys or status list out of reach) makes the verdict "
    "`indeterminate`, never `invalid`. Give `id_number` to check that the credential is that person's.",
    response_model=VerificationOut,
    responses=problem_responses(422),
)
async def verify(body: VerificationRequest, services: ServicesDep) -> VerificationOut:
    return present(await services.verifier.verify(body.credential, id_number=body.id_number))


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

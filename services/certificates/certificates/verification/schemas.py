"""Request and response bodies of verification."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from certificates.jose import MAX_TOKEN_LENGTH


class VerificationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credential: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TOKEN_LENGTH)]
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = Field(
        default=None,
        description="optional: the holder's ID number, checked against the credential's salted commitment "
        "(never stored or echoed)",
    )


class CheckOut(BaseModel):
    check: Literal["format", "issuer_trusted", "signature", "validity", "status", "subject"]
    passed: bool | None = Field(description="null: could not be decided (issuer's keys or status list unreachable)")
    detail: str


class SubjectOut(BaseModel):
    id: str | None
    name: str | None
    masked_id_number: str | None
    year: int | None


class VerificationOut(BaseModel):
    valid: bool = Field(description="true only when every check passed")
    verdict: Literal["valid", "invalid", "indeterminate"]
    reason: str | None = Field(description="the first failed (else undecided) check and why; null when valid")
    status: Literal["active", "revoked", "suspended", "unknown"]
    issuer: str | None = Field(description="the issuer the credential names")
    issuer_name: str | None = Field(description="the trusted issuer's name, when it is one")
    credential_id: str | None
    valid_from: str | None
    valid_until: str | None
    subject: SubjectOut | None = Field(description="whom the credential is about, once its signature verified")
    checks: list[CheckOut]

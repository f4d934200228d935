"""Request and response bodies of statements."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

StatementStatus = Literal["active", "revoked", "suspended"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class StatementRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID
    year: int = Field(ge=2000, le=2100, description="the calendar year the statement covers")


class StatementIssued(BaseModel):
    statement_id: uuid.UUID
    credential: str = Field(
        description="compact JWS (header alg EdDSA, typ vc+jwt, kid) whose payload is the W3C VC 2.0 credential"
    )
    verification_url: str = Field(description="the human check behind the QR code (/verify/{certificate code})")
    valid_from: datetime
    valid_until: datetime


class StatementOut(BaseModel):
    statement_id: uuid.UUID
    person_id: uuid.UUID
    year: int
    status: StatementStatus
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime
    revoked_at: datetime | None
    revocation_reason: str | None
    suspended_at: datetime | None
    suspension_reason: str | None
    credential: str
    verification_url: str


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="why; kept in the audit trail and shown to those who may see the statement")

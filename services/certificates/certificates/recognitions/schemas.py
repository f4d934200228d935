"""Request and response bodies of recognitions, and the partner statement's content as recognition reads it."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints, field_validator, model_validator

from certificates.jose import MAX_TOKEN_LENGTH

Hours = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
RecognitionStatus = Literal["recognised", "withdrawn"]


class RecognitionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credential: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TOKEN_LENGTH)] = (
        Field(description="the partner's statement: a compact JWS (vc+jwt) as the partner issued it")
    )
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=15, max_length=18)] = Field(
        description="the holder's ID number, checked against the credential's commitment (never stored)"
    )


class EntryOut(BaseModel):
    entry_id: str
    status: Literal["created", "duplicate", "skipped"] = Field(
        description="created: credited now; duplicate: credited before (by this or another statement of the "
        "partner); skipped: the partner itself had recognised it from elsewhere (recognisedFrom)"
    )
    record_id: uuid.UUID | None = Field(description="the learning record in our hours ledger")
    hours: Hours


class RecognitionOut(BaseModel):
    recognition_id: uuid.UUID
    person_id: uuid.UUID
    issuer: str
    partner_region_code: str
    credential_id: str
    year: int
    status: RecognitionStatus = Field(description="withdrawn: the partner revoked the statement; its hours reversed")
    hours_credited: Hours = Field(description="hours this recognition added to the ledger")
    entries: list[EntryOut]
    created_at: datetime
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    checked_at: datetime | None = Field(description="when the re-verification last looked at the credential")
    check_outcome: str | None = Field(description="valid | revoked | suspended | indeterminate")


class RecognitionPage(BaseModel):
    items: list[RecognitionOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class ReverifyOut(BaseModel):
    checked: int
    still_valid: int
    withdrawn: int = Field(description="revoked by their issuer: hours reversed, recognition withdrawn")
    suspended: int = Field(description="suspended by their issuer: left as they are until revoked or reinstated")
    indeterminate: int = Field(description="could not be decided (partner out of reach, no longer trusted, …)")


# ---- the partner's statement (credentialSubject of vc.py's profile) ----------------------------------------------
class StatementEntry(BaseModel):
    """One certified entry (000 art. 15) as the partner put it in its statement."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    entry_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        alias="entryId"
    )
    category: Literal["public", "professional"]
    kind: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    start_date: date = Field(alias="startDate")
    end_date: date = Field(alias="endDate")
    hours: Annotated[Decimal, Field(gt=0, le=1000, max_digits=6, decimal_places=1)]
    required: bool = False
    result: Annotated[str, StringConstraints(max_length=100)] | None = None
    institution: str | None = None
    recognised_from: str | None = Field(default=None, alias="recognisedFrom")

    @field_validator("institution", mode="before")
    @classmethod
    def _institution(cls, value: Any) -> Any:
        # {id, name?} in our profile; its name (else id) is what the ledger keeps, at most 300 characters.
        if isinstance(value, dict):
            value = value.get("name") or value.get("id")
        return value[:300] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _dates(self) -> "StatementEntry":
        if self.start_date > self.end_date:
            raise ValueError("startDate is after endDate")
        return self


class StatementSubject(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    year: int = Field(ge=2000, le=2100)
    entries: Annotated[list[StatementEntry], Field(max_length=500)]

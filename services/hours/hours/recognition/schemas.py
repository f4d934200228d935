"""Bodies of the internal endpoints the certificates service calls."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hours.units import Hours
from hours.vocabulary import Category

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class RecognisedEntry(BaseModel):
    """One certified entry of a partner's statement, as the partner certified it."""

    model_config = ConfigDict(extra="forbid")

    entry_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    category: Category
    activity: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
    title: Text
    start_date: date
    end_date: date
    hours: Annotated[Decimal, Field(gt=0, le=1000, max_digits=6, decimal_places=1)]
    required: bool = False
    result: Annotated[str, StringConstraints(max_length=100)] | None = None
    institution: Annotated[str, StringConstraints(max_length=300)] | None = None

    @model_validator(mode="after")
    def _dates(self) -> "RecognisedEntry":
        if self.start_date > self.end_date:
            raise ValueError("start_date is after end_date")
        return self


class RecognitionIn(BaseModel):
    """A verified partner statement: who it is about (ID number and name, checked against our registry), whose it
    is (issuer, partner region), which credential, and its certified entries."""

    model_config = ConfigDict(extra="forbid")

    id_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=15, max_length=18)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    issuer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    partner_region_code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    credential_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    entries: Annotated[list[RecognisedEntry], Field(min_length=1, max_length=500)]


class RecognisedResult(BaseModel):
    entry_id: str
    status: Literal["created", "duplicate"]
    record_id: uuid.UUID
    credited_hours: Hours


class RecognitionOut(BaseModel):
    person_id: uuid.UUID
    results: list[RecognisedResult]


class WithdrawalIn(BaseModel):
    """The partner revoked the credential: its recognised hours are reversed."""

    model_config = ConfigDict(extra="forbid")

    issuer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    credential_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class WithdrawalOut(BaseModel):
    withdrawn: list[uuid.UUID]
    hours: Hours


class CertifiedRecord(BaseModel):
    record_id: uuid.UUID
    year: int
    category: str
    activity: str
    title: str
    start_date: date
    end_date: date
    hours: Hours
    required: bool
    result: str | None
    submitter_type: str
    submitter_id: uuid.UUID
    institution_id: uuid.UUID | None
    source: Literal["local", "recognised"]
    recognised_from: str | None


class CertifiedRecords(BaseModel):
    person_id: uuid.UUID
    records: list[CertifiedRecord]

"""The certificate as its readers see it: the person's continuous record, year by year (000 art. 15)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer

from certificates.statements.schemas import StatementStatus

# JSON numbers with at most one decimal place, as everywhere in the API.
Hours = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class Institution(BaseModel):
    id: uuid.UUID
    name: str | None = Field(description="as the registry knows it")


class CertificateEntry(BaseModel):
    record_id: uuid.UUID
    category: str = Field(description="public | professional")
    kind: str = Field(description="the activity (exam, training, online, …)")
    title: str = Field(description="the content")
    start_date: date
    end_date: date
    hours: Hours
    required: bool
    result: str | None
    institution: Institution | None
    source: str = Field(description="local | recognised")
    recognised_from: str | None = Field(description="the partner province's region code (000 art. 22)")


class YearTotals(BaseModel):
    total: Hours
    public: Hours
    professional: Hours


class CertificateYear(BaseModel):
    year: int
    totals: YearTotals = Field(description="certified hours on the certificate")
    entries: list[CertificateEntry]


class StatementSummary(BaseModel):
    statement_id: uuid.UUID
    year: int
    status: StatementStatus
    issued_at: datetime
    valid_until: datetime


class CertificateOut(BaseModel):
    person_id: uuid.UUID
    certificate_code: str = Field(description="the opaque public code of the certificate (QR, credentials)")
    certificate_number_masked: str = Field(
        description="the certificate number is the person's ID number (000 art. 14); shown masked only"
    )
    name: str
    created_at: datetime
    years: list[CertificateYear] = Field(description="oldest first")
    statements: list[StatementSummary] = Field(description="newest first")

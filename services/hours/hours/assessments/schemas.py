import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hours.compliance.schemas import HoursByKey

# 考核验证: the employer verifies (合格) or does not verify (不合格) the person's continuing education of the year.
Opinion = Literal["verified", "not_verified"]


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID
    year: int = Field(ge=2000, le=2100)
    opinion: Opinion = Field(
        description="the employer's opinion on the year (001 §2.3): verified (考核验证合格) or not_verified (不合格)"
    )
    comment: str | None = Field(
        default=None,
        max_length=2000,
        description="required when the opinion departs from the certified hours: verified although the year falls "
        "short (the good reason, 正当理由, 001 §4), or not_verified although it meets its requirement",
    )


class Snapshot(BaseModel):
    """The year as ``GET /v1/compliance`` showed it when the opinion was signed (certified hours only)."""

    jurisdiction: str
    required: HoursByKey
    credited: HoursByKey
    shortfall: HoursByKey
    compliant: bool


class AssessmentOut(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    year: int
    version: int = Field(description="1 for the first signing of the person-year; each signing adds one")
    current: bool = Field(description="the latest signing of the person-year, the one that counts")
    employer_id: uuid.UUID = Field(description="the organisation that signed")
    opinion: Opinion
    comment: str | None
    signed_by: str
    signed_at: datetime
    snapshot: Snapshot


class AssessmentHistory(BaseModel):
    person_id: uuid.UUID
    items: list[AssessmentOut] = Field(description="newest year first; within a year, newest signing first")


class AssessmentPage(BaseModel):
    items: list[AssessmentOut] = Field(description="current assessments only, oldest signing first")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from hours.records.schemas import CategoryName
from hours.units import Hours


class SpotCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sample_size: int = Field(ge=1, le=1000)
    year: int = Field(ge=2000, le=2100)
    category: CategoryName | None = None


class SampledRecord(BaseModel):
    record_id: uuid.UUID
    person_id: uuid.UUID
    category: str
    activity: str
    title: str
    credited_hours: Hours
    status: str
    passed: bool | None = Field(description="null until checked")
    comment: str | None
    checked_by: str | None
    checked_at: datetime | None


class SpotCheckOut(BaseModel):
    id: uuid.UUID
    created_at: datetime
    created_by: str
    authority_kind: str
    region_code: str | None
    industry: str | None
    year: int
    category: str | None
    sample_size: int = Field(description="asked for; the sample holds fewer when the scope has fewer records")
    records: list[SampledRecord]


class SpotCheckResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record_id: uuid.UUID
    passed: bool
    comment: str | None = Field(default=None, max_length=2000, description="required when the check fails")

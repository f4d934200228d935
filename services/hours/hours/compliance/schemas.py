import uuid
from typing import Any

from pydantic import BaseModel, Field

from hours.units import SignedHours


class HoursByKey(BaseModel):
    total: SignedHours | None
    public: SignedHours | None
    professional: SignedHours | None
    public_required: SignedHours | None = Field(description="hours of required (必修) public courses (004 §3)")


class Entry(BaseModel):
    record_id: uuid.UUID
    hours: SignedHours = Field(description="credits positive, reversals (withdrawn hours) negative")
    rule: str
    source: str
    explanation: dict[str, Any]


class ComplianceOut(BaseModel):
    person_id: uuid.UUID
    year: int
    jurisdiction: str = Field(description="the policy pack applied: a region code, or 'national'")
    required: HoursByKey = Field(description="null where the jurisdiction does not constrain the key")
    credited: HoursByKey
    pending: HoursByKey = Field(description="computed at intake, not yet certified; does not count yet")
    compliant: bool
    shortfall: HoursByKey = Field(description="required minus credited, never below 0; null where not required")
    entries: list[Entry] = Field(description="the year's ledger entries, oldest first")

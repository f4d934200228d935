"""Request and response bodies of learning records (inputs refuse unknown fields)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from hours.units import Hours, PositiveHours
from hours.vocabulary import Activity, Category, Status

# Literals rather than the enums: the record's schema is inlined in the batch's (items are checked one by one).
CategoryName = Literal["public", "professional"]
ActivityName = Literal[
    "exam",
    "advanced_seminar",
    "training",
    "university_study",
    "online",
    "in_unit",
    "degree_course",
    "self_study",
    "publication",
    "credits",
]
StatusName = Literal["pending", "first_reviewed", "certified", "rejected", "withdrawn"]
MAX_BATCH = 1000


class RecordFields(BaseModel):
    """A learning record's content (API.md) with the measure of its activity."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id_number: str = Field(min_length=15, max_length=18, description="the person's national ID number")
    name: str = Field(min_length=1, max_length=50, description="the person's name as registered")
    category: CategoryName
    activity: ActivityName
    title: str = Field(min_length=1, max_length=300)
    start_date: date
    end_date: date = Field(description="the hours count for this date's calendar year")
    result: str | None = Field(default=None, max_length=100, description="e.g. 'passed' (合格) or a score")
    course_code: str | None = Field(default=None, max_length=60)
    required: bool = Field(default=False, description="a required (必修) public course (004 §3)")
    days: int | None = Field(default=None, ge=1, le=3660, description="training, in_unit")
    hours: PositiveHours | None = Field(
        default=None, le=Decimal(10000), description="advanced_seminar; online; training (hours taught)"
    )
    minutes: int | None = Field(default=None, ge=1, le=10_000_000, description="online, as recorded")
    months: int | None = Field(default=None, ge=1, le=120, description="university_study")
    courses_passed: int | None = Field(default=None, ge=1, le=100, description="degree_course")
    characters: int | None = Field(default=None, ge=1, le=100_000_000, description="self_study, publication")
    credits: PositiveHours | None = Field(default=None, le=Decimal(10000), description="credits")


class PushedRecord(RecordFields):
    external_id: str = Field(min_length=1, max_length=100, description="the institution's own id of the record")


class DeclaredRecord(RecordFields):
    external_id: str | None = Field(
        default=None, min_length=1, max_length=100, description="your own reference; a repeat is a duplicate"
    )


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Any item is taken here and checked on its own (a malformed item is that item's refusal, not the batch's).
    records: list[Annotated[Any, WithJsonSchema(PushedRecord.model_json_schema())]] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description=f"at most {MAX_BATCH:,}; each is checked on its own, so one bad record does not stop the others",
    )


class ItemError(BaseModel):
    code: str
    detail: str


class ItemResult(BaseModel):
    external_id: str | None = None
    status: Literal["created", "duplicate", "rejected"]
    record_id: uuid.UUID | None = None
    credited_hours: Hours | None = Field(
        default=None, description="the hours the record brings; pending until the record is certified"
    )
    error: ItemError | None = None


class BatchResult(BaseModel):
    results: list[ItemResult] = Field(description="one per record, in input order")


class Measure(BaseModel):
    days: int | None = None
    hours: Hours | None = None
    minutes: int | None = None
    months: int | None = None
    courses_passed: int | None = None
    characters: int | None = None
    credits: Hours | None = None


class RecordOut(BaseModel):
    id: uuid.UUID
    external_id: str | None
    submitter_type: Literal["institution", "person", "employer", "partner"]
    submitter_id: uuid.UUID
    person_id: uuid.UUID
    region_code: str = Field(description="the person's region when the record was taken")
    employer_id: uuid.UUID | None = Field(description="the person's employer when the record was taken")
    industry: str
    title_level: str
    year: int
    category: Category
    activity: Activity | Literal["recognised"] = Field(description="``recognised``: hours a partner certified")
    title: str
    start_date: date
    end_date: date
    result: str | None
    course_code: str | None
    required: bool
    measure: Measure
    status: Status
    credited_hours: Hours = Field(description="pending until certified; withdrawn hours no longer count")
    rule: str
    source: str
    explanation: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class RecordPage(BaseModel):
    items: list[RecordOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    comment: str | None = Field(default=None, max_length=2000, description="required when rejecting")

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer

# Sums over many people outgrow a single record's seven digits; still JSON numbers with one decimal place.
TotalHours = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Rate = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class GroupBy(StrEnum):
    REGION = "region"
    INDUSTRY = "industry"
    EMPLOYER = "employer"
    YEAR = "year"


class Figures(BaseModel):
    persons: int = Field(description="people in the scope (each person-year once when grouped by year)")
    hours_credited: TotalHours = Field(description="certified hours of the year, all subjects")
    hours_pending: TotalHours = Field(description="hours computed at intake, not yet certified")
    compliant_persons: int = Field(description="people whose year meets their requirement, as GET /v1/compliance")
    compliance_rate: Rate = Field(description="compliant_persons / persons, 0 to 1, four decimal places")


class StatisticsRow(Figures):
    key: str | int | None = Field(
        description="the region code (the person's own, as registered), industry, employer id or year; "
        "null for people without an employer (group_by=employer, last)"
    )


class StatisticsPage(BaseModel):
    group_by: GroupBy
    from_year: int
    to_year: int
    items: list[StatisticsRow] = Field(description="ordered by key")
    total: Figures | None = Field(
        description="the sum of all rows the query selects (not only this page); on the first page only"
    )
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")

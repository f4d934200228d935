import uuid

from pydantic import BaseModel, Field

from hours.assessments.schemas import AssessmentOut
from hours.compliance.schemas import HoursByKey


class EligibilityYear(BaseModel):
    year: int
    jurisdiction: str = Field(description="the policy pack applied: a region code, or 'national'")
    required: HoursByKey = Field(description="null where the jurisdiction does not constrain the key")
    credited: HoursByKey = Field(description="certified hours only; pending hours do not count")
    shortfall: HoursByKey = Field(description="required minus credited, never below 0; null where not required")
    compliant: bool
    assessment: AssessmentOut | None = Field(
        description="the employer's current annual assessment of the year (001 §2.3), if signed; informative — "
        "eligibility follows the certified hours"
    )


class TitleRuleOut(BaseModel):
    source: str = Field(description="seed file and article (or the platform rule) the answer rests on")
    text: str = Field(description="the source's own words")
    summary: str
    note: str | None = Field(description="what the source also demands that is not checked here")


class EligibilityOut(BaseModel):
    person_id: uuid.UUID
    from_year: int
    to_year: int
    eligible: bool = Field(description="every year of the window met its requirement")
    unmet_years: list[int] = Field(description="the years that did not, oldest first")
    rule: TitleRuleOut
    years: list[EligibilityYear] = Field(description="oldest first")

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hours.units import Hours


class IndustryRequirementIn(BaseModel):
    """The hours an industry requires a year; a key left out (null) keeps the jurisdiction's own rule. Where
    both set a key, the higher applies (001 §2.2)."""

    model_config = ConfigDict(extra="forbid")

    total: Hours | None = Field(default=None, le=1000)
    public: Hours | None = Field(default=None, le=1000)
    professional: Hours | None = Field(default=None, le=1000)
    public_required: Hours | None = Field(default=None, le=1000)
    source: str = Field(min_length=1, max_length=300, description="the industry's published document")

    @model_validator(mode="after")
    def _something(self) -> "IndustryRequirementIn":
        if all(getattr(self, k) is None for k in ("total", "public", "professional", "public_required")):
            raise ValueError("set at least one of total, public, professional, public_required")
        return self


class IndustryRequirementOut(BaseModel):
    industry: str
    year: int
    region_code: str = Field(description="where it applies; 000000 is nationwide")
    total: Hours | None
    public: Hours | None
    professional: Hours | None
    public_required: Hours | None
    source: str
    set_by: str
    updated_at: datetime

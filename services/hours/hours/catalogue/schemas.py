"""Request and response bodies of the subject catalogue (inputs refuse unknown fields)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hours.units import Hours

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$"


class CourseIn(BaseModel):
    """A course of the year's catalogue. A public subject (公需科目) is published by an HR authority for its region;
    a professional subject (专业科目) belongs to an industry's guide, published by that industry's authority."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(
        pattern=CODE_PATTERN, description="unique per year across this deployment; records cite it as course_code"
    )
    year: int = Field(ge=2000, le=2100, description="the calendar year the course counts for")
    category: Literal["public", "professional"]
    title: str = Field(min_length=1, max_length=300)
    required: bool = Field(default=False, description="a required (必修) public course (004 §3)")
    hours: Hours | None = Field(default=None, le=1000, description="suggested hours; crediting follows the rules")
    industry: str | None = Field(
        default=None, min_length=1, max_length=60, description="professional subjects: the guide's industry"
    )
    region_code: str | None = Field(
        default=None,
        pattern=r"^\d{6}$",
        description="where the course applies (your authority's region by default; 000000 nationwide)",
    )
    source: str = Field(min_length=1, max_length=300, description="the document that publishes it")

    @model_validator(mode="after")
    def _consistent(self) -> "CourseIn":
        if self.category == "professional" and self.industry is None:
            raise ValueError("a professional subject belongs to an industry's guide: give its industry")
        if self.category == "public" and self.industry is not None:
            raise ValueError("a public subject is published for a region, not an industry: leave industry out")
        if self.required and self.category != "public":
            raise ValueError("only public subjects are marked required (004 §3)")
        return self


class CourseOut(BaseModel):
    code: str
    year: int
    category: Literal["public", "professional"]
    title: str
    required: bool
    hours: Hours | None
    industry: str | None
    region_code: str = Field(description="where the course applies; 000000 is nationwide")
    source: str
    published_by: str
    published_at: datetime


class CoursePage(BaseModel):
    items: list[CourseOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")

"""Field types shared by the registry's request and response bodies."""

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

REGION_CODE_PATTERN = r"^\d{6}$"
INDUSTRY_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"

RegionCode = Annotated[str, Field(pattern=REGION_CODE_PATTERN, description="GB/T 2260 code", examples=["130100"])]
# A code, not free text: rights follow equality of industries (an industry official sees its industry's people).
Industry = Annotated[
    str,
    Field(
        pattern=INDUSTRY_PATTERN,
        description="industry code: lower-case letters, digits and _",
        examples=["health"],
    ),
]
RegionFilter = Annotated[
    str | None, Query(pattern=REGION_CODE_PATTERN, description="within this region (GB/T 2260 code)")
]
IndustryFilter = Annotated[str | None, Query(pattern=INDUSTRY_PATTERN, description="of this industry")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Contact(BaseModel):
    """联系方式: how the authority in charge reaches an organisation."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = Field(
        default=None, description="contact person", examples=["王芳"]
    )
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None

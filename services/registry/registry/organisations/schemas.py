"""Request and response bodies of the employers, institutions and authorities APIs."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from registry.schemas import Contact, Industry, Name, RegionCode
from registry.vocabulary import AuthorityKind, AuthorityLevel, EmployerKind, InstitutionKind

CreditCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        description="统一社会信用代码, 18 characters (GB 32100-2015); upper-cased when stored",
        examples=["91130100MA0CXXXX1X"],
    ),
]


# ---- create ----------------------------------------------------------------------------------------------
class EmployerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credit_code: CreditCode
    name: Name
    kind: EmployerKind
    region_code: RegionCode
    industry: Industry
    contact: Contact | None = None


class InstitutionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credit_code: CreditCode
    name: Name
    kind: InstitutionKind
    region_code: RegionCode
    contact: Contact | None = None


class AuthorityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: AuthorityKind
    level: AuthorityLevel = Field(description="must be the level of `region_code` in GB/T 2260")
    region_code: RegionCode
    industry: Industry | None = Field(default=None, description="required for `industry`, forbidden for `hr`")
    name: Name
    contact: Contact | None = None


# ---- update ----------------------------------------------------------------------------------------------
class _Patch(BaseModel):
    """Fields left out stay as they are; ``contact: null`` clears the contact. The credit code, region and
    level never change."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("name", "kind", "industry", mode="before", check_fields=False)
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value

    def changes(self) -> dict[str, Any]:
        values = self.model_dump(mode="json", include=self.model_fields_set)
        if "contact" in values:
            values["contact"] = contact_document(getattr(self, "contact", None))
        return values


class EmployerPatch(_Patch):
    name: Name | None = None
    contact: Contact | None = None
    kind: EmployerKind | None = None
    industry: Industry | None = None


class InstitutionPatch(_Patch):
    name: Name | None = None
    contact: Contact | None = None
    kind: InstitutionKind | None = None


class AuthorityPatch(_Patch):
    """An authority's kind and industry are what its officials' rights rest on: they do not change."""

    name: Name | None = None
    contact: Contact | None = None


def contact_document(contact: Contact | None) -> dict[str, Any]:
    return contact.model_dump(exclude_none=True) if contact is not None else {}


# ---- read ------------------------------------------------------------------------------------------------
class _OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    region_code: str
    contact: Contact
    created_at: datetime
    updated_at: datetime


class EmployerOut(_OrganisationOut):
    credit_code: str
    kind: EmployerKind
    industry: str


class InstitutionOut(_OrganisationOut):
    credit_code: str
    kind: InstitutionKind


class AuthorityOut(_OrganisationOut):
    kind: AuthorityKind
    level: AuthorityLevel
    industry: str | None


class EmployerPage(BaseModel):
    items: list[EmployerOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class InstitutionPage(BaseModel):
    items: list[InstitutionOut]
    next_cursor: str | None


class AuthorityPage(BaseModel):
    items: list[AuthorityOut]
    next_cursor: str | None

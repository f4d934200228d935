"""Request and response bodies of the people APIs."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, with_config
from typing_extensions import TypedDict

from registry.schemas import Industry, RegionCode
from registry.vocabulary import Sex, TitleLevel

MAX_LOOKUP_ITEMS = 1_000

IdNumberInput = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="居民身份证号码 (GB 11643): 18 characters, or the old 15 digits; also 港澳台居民居住证 (81/82/83) "
        "and 外国人永久居留身份证 (9…). Never repeated in an error.",
        examples=["11010519491231002X"],
    ),
]
PersonName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Field(examples=["张三"])
]


# ---- requests --------------------------------------------------------------------------------------------
class PersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: IdNumberInput
    name: PersonName
    region_code: RegionCode = Field(description="where the person is registered (their rules follow it)")
    employer_id: uuid.UUID | None = Field(
        default=None, description="current employer; an employer's admin may leave it out (its own)"
    )
    title_level: TitleLevel
    industry: Industry


class EmploymentCreate(BaseModel):
    """A new employment: the current one (if any) ends the day before ``start_date``."""

    model_config = ConfigDict(extra="forbid")

    employer_id: uuid.UUID
    start_date: date


class TitleCreate(BaseModel):
    """A new title level from ``effective_date`` on."""

    model_config = ConfigDict(extra="forbid")

    title_level: TitleLevel
    effective_date: date


class PersonCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: IdNumberInput
    name: PersonName


# Typed dicts rather than models: the same validation and schema, validated into plain dicts for a third less CPU
# than a model per item (the hours service sends 500 per batch of records).
@with_config(ConfigDict(extra="forbid"))
class LookupItem(TypedDict):
    id_number: IdNumberInput
    name: PersonName


@with_config(ConfigDict(extra="forbid"))
class LookupRequest(TypedDict):
    items: Annotated[list[LookupItem], Field(max_length=MAX_LOOKUP_ITEMS, description=f"at most {MAX_LOOKUP_ITEMS:,}")]


# ---- responses -------------------------------------------------------------------------------------------
class EmploymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    employer_id: uuid.UUID
    start_date: date | None = Field(description="null: already employed there when the person was registered")
    end_date: date | None = Field(description="last day; null while current")


class TitleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    title_level: TitleLevel
    effective_date: date | None = Field(description="null: already held when the person was registered")


class PersonOut(BaseModel):
    id: uuid.UUID
    id_number: str = Field(
        description="in full only for the person and the officials with rights over them (each such answer is "
        "audited); otherwise masked, e.g. 130102********123X",
    )
    id_number_masked: bool
    name: str
    sex: Sex
    birth_date: date | None = Field(description="null when the ID number is masked (it would unmask it)")
    region_code: str
    province_code: str
    employer_id: uuid.UUID | None
    title_level: TitleLevel
    industry: str
    created_at: datetime
    updated_at: datetime


class PersonDetail(PersonOut):
    employments: list[EmploymentOut] = Field(description="oldest first")
    titles: list[TitleOut] = Field(description="oldest first")


class PersonPage(BaseModel):
    items: list[PersonOut] = Field(description="ID numbers always masked in lists")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class PersonCheckResult(BaseModel):
    """The pre-check an institution makes before enrolling a trainee by real name (000 art. 12): nothing more
    about the person than these three answers."""

    id_number_valid: bool
    registered: bool
    name_matches: bool | None = Field(description="null when there is no registered person to compare with")


class LookupFound(BaseModel):
    status: Literal["found"] = "found"
    person_id: uuid.UUID
    region_code: str
    province_code: str
    employer_id: uuid.UUID | None
    title_level: TitleLevel
    industry: str


class LookupMiss(BaseModel):
    status: Literal["unknown_person", "name_mismatch", "invalid_id_number"]
    reason: str


LookupResult = Annotated[LookupFound | LookupMiss, Field(discriminator="status")]


class LookupResponse(BaseModel):
    results: list[LookupResult] = Field(description="one per item, in input order")


class OrganisationName(BaseModel):
    id: uuid.UUID
    name: str
    type: str = Field(description="employer | institution | authority")


class PersonIdentity(BaseModel):
    """Who a person is, in plaintext, for the certificates service: the name and ID number its statements commit
    to (000 art. 14: the certificate number is the ID number), and the names of the organisations asked for (the
    institutions on the certificate, 000 art. 15)."""

    person_id: uuid.UUID
    id_number: str
    name: str
    region_code: str
    organisations: list[OrganisationName] = Field(description="those of the ids asked for that exist")

"""Request and response bodies of the accounts API."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from registry.accounts.rules import MAX_PASSWORD_LENGTH
from registry.models import USERNAME_MAX_LENGTH
from registry.roles import Role

# ASCII only: look-alike letters from other scripts must not make two usernames that read the same.
USERNAME_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9._@+-]{{2,{USERNAME_MAX_LENGTH - 1}}}$"
Username = Annotated[
    str,
    Field(
        pattern=USERNAME_PATTERN,
        description="3 to 100 characters: letters, digits and . _ @ + -, starting with a letter or digit; "
        "case-insensitive (stored lower-cased)",
        examples=["zhang.wei"],
    ),
]


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    # The minimum length is the password policy's (a ``weak_password`` problem), not a schema rule.
    password: Annotated[str, Field(max_length=MAX_PASSWORD_LENGTH, description="at least 12 characters")]
    role: Role
    org_id: uuid.UUID | None = Field(
        default=None,
        description="hr_official: an HR authority; industry_official: an industry authority; employer_admin: an "
        "employer; institution: an institution. The account's region and industry are that organisation's.",
    )
    person_id: uuid.UUID | None = Field(default=None, description="person: the registered person")


class AccountOut(BaseModel):
    """An account as anyone may see it: never the password hash. ``region_code`` and ``industry`` are derived
    from the bound organisation or person."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    role: Role
    org_id: uuid.UUID | None
    person_id: uuid.UUID | None
    region_code: str | None
    industry: str | None
    active: bool
    created_at: datetime
    updated_at: datetime

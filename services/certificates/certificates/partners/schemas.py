"""Request and response bodies of the partner registry."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

PartnerStatus = Literal["active", "revoked"]


def _url(value: str) -> str:
    """An absolute http(s) URL with a host and no query or fragment, without a trailing slash."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 — raises ValueError on a port that is not a number
    except ValueError as exc:
        raise ValueError(f"not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    if parts.query or parts.fragment:
        raise ValueError("must not carry a query or a fragment")
    return value.rstrip("/")


Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=500), AfterValidator(_url)]


class PartnerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region_code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] = Field(
        description="GB/T 2260 code of the partner province (Beijing 110000, Tianjin 120000, Hebei 130000)"
    )
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    issuer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="the issuer id its credentials name (its partner-info `issuer`)"
    )
    jwks_url: Url | None = Field(default=None, description="where it publishes its keys (its partner-info `jwks_url`)")
    jwks: dict[str, Any] | None = Field(default=None, description="or its public keys inline, as a JWKS")
    base_url: Url = Field(description="its public base URL: the status lists its credentials name must be under it")

    @model_validator(mode="after")
    def _one_key_source(self) -> "PartnerCreate":
        if (self.jwks_url is None) == (self.jwks is None):
            raise ValueError("give either jwks_url or jwks (the partner's keys), not both and not neither")
        return self


class PartnerRevocation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class PartnerOut(BaseModel):
    id: uuid.UUID
    region_code: str
    name: str
    issuer: str
    jwks_url: str | None
    jwks: dict[str, Any] | None = Field(description="the keys given inline, when there is no jwks_url")
    base_url: str
    status: PartnerStatus = Field(description="revoked: its credentials are no longer trusted, its /jjj/ calls refused")
    created_at: datetime
    revoked_at: datetime | None
    revocation_reason: str | None


class PartnerPage(BaseModel):
    items: list[PartnerOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")

"""Request and response bodies of the machine-clients API."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from registry.auth.assertions import check_registrable_jwks
from registry.roles import ClientRole


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200, examples=["Hebei University training system"])]
    role: ClientRole
    org_id: uuid.UUID | None = Field(
        default=None, description="institution clients: an existing institution; no other client has one"
    )
    jwks: dict[str, Any] | None = Field(
        default=None,
        description="Public keys (JWKS) for private_key_jwt (RFC 7523): the client then signs assertions "
        "instead of holding a secret, and no secret is issued.",
    )

    @field_validator("jwks")
    @classmethod
    def _public_keys_only(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            check_registrable_jwks(value)
        return value


class ClientCreated(BaseModel):
    """The new client with its secret: the only time the secret is ever shown (none for key-based clients)."""

    client_id: str
    client_secret: str | None
    token_endpoint_auth_method: str
    name: str
    role: ClientRole
    org_id: uuid.UUID | None
    created_at: datetime

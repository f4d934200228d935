"""Request and response bodies of the machine-clients API."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from registry.roles import ClientRole


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200, examples=["Hebei University training system"])]
    role: ClientRole
    org_id: uuid.UUID | None = Field(
        default=None, description="institution clients: an existing institution; no other client has one"
    )


class ClientCreated(BaseModel):
    """The new client with its secret: the only time the secret is ever shown."""

    client_id: str
    client_secret: str
    name: str
    role: ClientRole
    org_id: uuid.UUID | None
    created_at: datetime

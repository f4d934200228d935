"""Use cases on machine clients. They flush; the request commits."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from cekit.audit import record_audit
from cekit.tokens import Principal
from registry.accounts.rules import CLIENT_REQUIRED_ATTRIBUTES
from registry.accounts.service import bound_organisation, check_role_attributes
from registry.clients import repository
from registry.clients.schemas import ClientCreate
from registry.credentials import hash_client_secret, new_client_id, new_client_secret
from registry.models import MachineClient, audit_event


@dataclass(frozen=True)
class NewClient:
    client: MachineClient
    secret: str | None  # None: the client authenticates with assertions signed by its registered keys


async def create_client(session: AsyncSession, data: ClientCreate, *, actor: Principal | str) -> NewClient:
    check_role_attributes(data.role, CLIENT_REQUIRED_ATTRIBUTES[data.role], data.model_dump(), what="A client")
    if data.org_id is not None:  # an institution's system acts for an existing institution
        await bound_organisation(session, data.role.value, data.org_id)
    secret = None if data.jwks is not None else new_client_secret()
    client = MachineClient(
        client_id=new_client_id(),
        name=data.name,
        role=data.role,
        org_id=data.org_id,
        secret_hash=hash_client_secret(secret) if secret is not None else None,
        jwks=data.jwks,
        active=True,
    )
    await repository.add(session, client)
    await record_audit(
        session,
        audit_event,
        actor=actor,
        action="client.created",
        object_type="machine_client",
        object_id=client.client_id,
        details={
            "name": data.name,
            "role": data.role.value,
            "auth_method": "private_key_jwt" if data.jwks is not None else "client_secret",
            **({"org_id": str(data.org_id)} if data.org_id else {}),
        },
    )
    return NewClient(client, secret)

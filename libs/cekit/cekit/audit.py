"""The audit trail: every state change records who, when, what and why, in the same transaction as the change.

Each service keeps its own ``audit_event`` table (its own database); the table shape is shared infrastructure.
Events' ids are time-ordered (``cekit.ids``): the trail only grows, so new ids belong at the right edge of its
primary-key index, and an object's events sort by id as they happened.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, Uuid, func, insert
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.context import request_id_var
from cekit.ids import uuid7
from cekit.tokens import Principal


def audit_table(metadata: MetaData) -> Table:
    return Table(
        "audit_event",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("occurred_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("actor", String(200), nullable=False, comment="subject of the token, or 'system'"),
        Column("actor_roles", String(200), nullable=False, server_default=""),
        Column("action", String(100), nullable=False),
        Column("object_type", String(60), nullable=False),
        Column("object_id", String(100), nullable=False, index=True),
        Column("reason", Text, nullable=True),
        Column("details", JSONB, nullable=False, server_default="{}"),
        Column("request_id", String(128), nullable=True),
    )


async def record_audit(
    session: AsyncSession,
    table: Table,
    *,
    actor: Principal | str,
    action: str,
    object_type: str,
    object_id: str | uuid.UUID,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Adds the audit row to the current unit of work; it commits or rolls back with the change itself."""
    if isinstance(actor, Principal):
        actor_name, roles = actor.subject, " ".join(actor.roles)
    else:
        actor_name, roles = actor, ""
    await session.execute(
        insert(table).values(
            id=uuid7(),
            occurred_at=datetime.now(UTC),
            actor=actor_name,
            actor_roles=roles,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            reason=reason,
            details=details or {},
            request_id=request_id_var.get(),
        )
    )

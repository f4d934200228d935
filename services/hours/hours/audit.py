"""The audit trail of the hours service (``cekit.audit``), plus one statement for many events (a batch)."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.audit import record_audit
from cekit.context import request_id_var
from cekit.ids import uuid7s
from cekit.tokens import Principal
from hours.models import audit_event

_INSERT_MANY = text(
    """
    INSERT INTO audit_event (id, occurred_at, actor, actor_roles, action, object_type, object_id, reason, details,
                             request_id)
    SELECT id, :occurred_at, :actor, :actor_roles, :action, :object_type, object_id, NULL, CAST(details AS jsonb),
           :request_id
    FROM unnest(CAST(:ids AS uuid[]), CAST(:object_ids AS text[]), CAST(:details AS text[]))
         AS e(id, object_id, details)
    """
)


async def audit(
    session: AsyncSession,
    actor: Principal | str,
    action: str,
    object_type: str,
    object_id: str | uuid.UUID,
    *,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    await record_audit(
        session,
        audit_event,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        reason=reason,
        details=details,
    )


async def audit_many(
    session: AsyncSession,
    actor: Principal,
    action: str,
    object_type: str,
    events: Sequence[tuple[uuid.UUID, dict[str, Any]]],
) -> None:
    """One audit event per object (object id, details), in one statement. The events' ids are time-ordered, as
    the intake's are (``records.repository``)."""
    if not events:
        return
    await session.execute(
        _INSERT_MANY,
        {
            "occurred_at": datetime.now(UTC),
            "actor": actor.subject,
            "actor_roles": " ".join(actor.roles),
            "action": action,
            "object_type": object_type,
            "request_id": request_id_var.get(),
            "ids": uuid7s(len(events)),
            "object_ids": [str(object_id) for object_id, _ in events],
            "details": [orjson.dumps(details).decode() for _, details in events],
        },
    )

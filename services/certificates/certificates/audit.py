"""The audit trail of the certificates service (``cekit.audit``): every issue, revocation, suspension and
reinstatement, and every certificate made, with who, when and why."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cekit.audit import record_audit
from cekit.tokens import Principal
from certificates.models import audit_event


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

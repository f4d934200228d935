"""Use cases of the partner registry (admin): register a partner province, list and read them, revoke one.

A partner is trusted from its registration on: its credentials verify against its keys, its hours can be
recognised here, and it may call ``/jjj/``. Revocation ends that at once in this process (and within the
directory's refresh time in the others); recognitions already made stay, the re-verification job leaves them alone
(their issuer is no longer trusted, so they count as *indeterminate*). Services flush, never commit.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cekit.tokens import Principal
from certificates.audit import audit
from certificates.config import Settings
from certificates.partners import repository as partners
from certificates.partners.directory import PartnerDirectory
from certificates.partners.errors import PartnerAlreadyRevoked, PartnerExists, PartnerNotFound, PartnerRefused
from certificates.partners.schemas import PartnerCreate, PartnerOut, PartnerPage
from certificates.verification.partner_issuer import FetchFailed, parse_jwks

AnyRow = partners.AnyRow
UNIQUE_VIOLATION = "23505"


def present(row: AnyRow) -> PartnerOut:
    return PartnerOut(
        id=row.id,
        region_code=row.region_code,
        name=row.name,
        issuer=row.issuer,
        jwks_url=row.jwks_url,
        jwks=row.jwks,
        base_url=row.base_url,
        status=row.status,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        revocation_reason=row.revocation_reason,
    )


async def register(
    session: AsyncSession, settings: Settings, directory: PartnerDirectory, actor: Principal, body: PartnerCreate
) -> PartnerOut:
    if body.issuer == settings.issuer_id or body.region_code == settings.region_code:
        raise PartnerRefused(f"{body.issuer} ({body.region_code}) is this platform itself, not a partner.")
    if body.jwks is not None:
        try:
            usable = parse_jwks(body.jwks)
        except FetchFailed as exc:
            raise PartnerRefused(f"The inline jwks cannot be used: {exc}.", code="jwks_invalid") from None
        if not usable:
            raise PartnerRefused(
                "The inline jwks has no usable public signing key (Ed25519 or P-256, with a kid).", code="jwks_invalid"
            )
    existing = await partners.active_with(session, body.issuer, body.region_code)
    if existing is not None:
        raise PartnerExists(
            f"{existing.name} ({existing.region_code}, {existing.issuer}) is already an active partner with this "
            "issuer or region; revoke it first to register it again.",
            partner_id=str(existing.id),
        )
    try:
        async with session.begin_nested():
            row = await partners.add(
                session,
                {
                    "id": uuid.uuid4(),
                    "region_code": body.region_code,
                    "name": body.name,
                    "issuer": body.issuer,
                    "jwks_url": body.jwks_url,
                    "jwks": body.jwks,
                    "base_url": body.base_url,
                    "status": "active",
                    "created_at": datetime.now(UTC),
                    "created_by": actor.subject,
                },
            )
    except IntegrityError as exc:  # registered concurrently: the partial unique indexes are the last word
        if getattr(exc.orig, "sqlstate", None) != UNIQUE_VIOLATION:
            raise
        raise PartnerExists(f"{body.issuer} or region {body.region_code} was just registered as a partner.") from None
    await audit(
        session,
        actor,
        "partner.registered",
        "partner",
        row.id,
        details={
            "region_code": row.region_code,
            "issuer": row.issuer,
            "jwks_url": row.jwks_url,
            "inline_keys": [key.get("kid") for key in (row.jwks or {}).get("keys", []) if isinstance(key, dict)],
            "base_url": row.base_url,
        },
    )
    directory.invalidate()
    return present(row)


async def get(session: AsyncSession, partner_id: uuid.UUID) -> PartnerOut:
    row = await partners.get(session, partner_id)
    if row is None:
        raise PartnerNotFound(f"No partner {partner_id}.")
    return present(row)


async def page(session: AsyncSession, cursor: str | None, limit: int) -> PartnerPage:
    rows, next_cursor = await partners.page(session, cursor, limit)
    return PartnerPage(items=[present(row) for row in rows], next_cursor=next_cursor)


async def revoke(
    session: AsyncSession, directory: PartnerDirectory, actor: Principal, partner_id: uuid.UUID, reason: str
) -> PartnerOut:
    row = await partners.revoke(session, partner_id, datetime.now(UTC), actor.subject, reason)
    if row is None:
        if await partners.get(session, partner_id) is None:
            raise PartnerNotFound(f"No partner {partner_id}.")
        raise PartnerAlreadyRevoked(f"The partner {partner_id} is already revoked.")
    await audit(
        session,
        actor,
        "partner.revoked",
        "partner",
        partner_id,
        reason=reason,
        details={"region_code": row.region_code, "issuer": row.issuer},
    )
    directory.invalidate()
    return present(row)

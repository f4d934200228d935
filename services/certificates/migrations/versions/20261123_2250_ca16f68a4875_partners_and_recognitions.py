"""partners and recognitions

Jing-Jin-Ji mutual recognition (000 art. 22): ``partner``, the partner provinces we trust (one active per issuer and
per region); ``recognition``, the partner statements whose certified hours we credited (one per credential);
``partner_token_use``, the ids of the JWTs partners call ``/jjj/`` with, each accepted once until it expires.

Revision ID: ca16f68a4875
Revises: fd82b7cfd553
Create Date: 2026-11-23 22:50:24.264621
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "ca16f68a4875"
down_revision: str | None = "fd82b7cfd553"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False, comment="GB/T 2260 code of the partner province"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False, comment="the issuer id its credentials name"),
        sa.Column("jwks_url", sa.Text(), nullable=True, comment="where its public keys are published (or jwks)"),
        sa.Column(
            "jwks",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment="its public keys given inline (or jwks_url)",
        ),
        sa.Column(
            "base_url", sa.Text(), nullable=False, comment="its public base URL: its status lists must live under it"
        ),
        sa.Column("status", sa.String(length=10), nullable=False, comment="active | revoked"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("(status = 'revoked') = (revoked_at IS NOT NULL)", name=op.f("ck_partner_revoked_at")),
        sa.CheckConstraint("status IN ('active', 'revoked')", name=op.f("ck_partner_status")),
        sa.CheckConstraint("(jwks_url IS NULL) <> (jwks IS NULL)", name=op.f("ck_partner_one_key_source")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner")),
        comment="partner provinces whose statements we verify and recognise (000 art. 22)",
    )
    op.create_index(
        "uq_partner_issuer_active", "partner", ["issuer"], unique=True, postgresql_where=sa.text("status = 'active'")
    )
    op.create_index(
        "uq_partner_region_code_active",
        "partner",
        ["region_code"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "partner_token_use",
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("jti", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("issuer", "jti", name=op.f("pk_partner_token_use")),
        comment="JWT ids partners have called /jjj/ with, kept until the token expires: each is accepted once",
    )
    op.create_index("ix_partner_token_use_expires_at", "partner_token_use", ["expires_at"], unique=False)
    op.create_table(
        "recognition",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("partner_region_code", sa.String(length=6), nullable=False),
        sa.Column("credential_id", sa.String(length=200), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("credential", sa.Text(), nullable=False, comment="the partner's compact JWS as submitted"),
        sa.Column("status", sa.String(length=12), nullable=False, comment="recognised | withdrawn"),
        sa.Column(
            "hours_credited",
            sa.Numeric(precision=7, scale=1),
            nullable=False,
            comment="hours this recognition credited",
        ),
        sa.Column(
            "entries",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="[{entry_id, status, record_id, hours}] as hours answered",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True, comment="last re-verification"),
        sa.Column(
            "check_outcome", sa.String(length=20), nullable=True, comment="valid | revoked | suspended | indeterminate"
        ),
        sa.Column("check_detail", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(status = 'withdrawn') = (withdrawn_at IS NOT NULL)", name=op.f("ck_recognition_withdrawn_at")
        ),
        sa.CheckConstraint("status IN ('recognised', 'withdrawn')", name=op.f("ck_recognition_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognition")),
        sa.UniqueConstraint("issuer", "credential_id", name=op.f("uq_recognition_issuer_credential_id")),
        comment="partner statements whose certified hours were credited here (000 art. 22)",
    )
    op.create_index(
        "ix_recognition_person_id_created_at", "recognition", ["person_id", "created_at", "id"], unique=False
    )
    op.create_index("ix_recognition_status_id", "recognition", ["status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_recognition_status_id", table_name="recognition")
    op.drop_index("ix_recognition_person_id_created_at", table_name="recognition")
    op.drop_table("recognition")
    op.drop_index("ix_partner_token_use_expires_at", table_name="partner_token_use")
    op.drop_table("partner_token_use")
    op.drop_index("uq_partner_region_code_active", table_name="partner", postgresql_where=sa.text("status = 'active'"))
    op.drop_index("uq_partner_issuer_active", table_name="partner", postgresql_where=sa.text("status = 'active'"))
    op.drop_table("partner")

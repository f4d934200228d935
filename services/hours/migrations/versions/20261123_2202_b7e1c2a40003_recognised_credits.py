"""recognised credits from partner provinces

``recognised_entry``: which partner credential entry became which learning record (000 art. 22), once each.

Revision ID: b7e1c2a40003
Revises: b7e1c2a40002
Create Date: 2026-11-23 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e1c2a40003"
down_revision: str | None = "b7e1c2a40002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recognised_entry",
        sa.Column("issuer", sa.String(length=200), nullable=False, comment="the partner's issuer id"),
        sa.Column("entry_id", sa.String(length=100), nullable=False, comment="the partner's id of the certified entry"),
        sa.Column(
            "credential_id",
            sa.String(length=200),
            nullable=False,
            comment="the credential that brought the entry first",
        ),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("partner_region_code", sa.String(length=6), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["learning_record.id"], name=op.f("fk_recognised_entry_record_id_learning_record")
        ),
        sa.PrimaryKeyConstraint("issuer", "entry_id", name=op.f("pk_recognised_entry")),
        sa.UniqueConstraint("record_id", name=op.f("uq_recognised_entry_record_id")),
        comment="hours recognised from a partner province's statement (000 art. 22), once per certified entry",
    )
    op.create_index(
        "ix_recognised_entry_issuer_credential_id", "recognised_entry", ["issuer", "credential_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_recognised_entry_issuer_credential_id", table_name="recognised_entry")
    op.drop_table("recognised_entry")

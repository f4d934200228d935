"""audit trail

Revision ID: 19389ba8c105
Revises:
Create Date: 2026-11-23 19:07:36.994320
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from cekit.migrations import make_append_only

revision: str = "19389ba8c105"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False, comment="subject of the token, or 'system'"),
        sa.Column("actor_roles", sa.String(length=200), server_default="", nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("object_type", sa.String(length=60), nullable=False),
        sa.Column("object_id", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_object_id"), "audit_event", ["object_id"], unique=False)
    # Audit rows are evidence: nobody, not even the service's own code, may rewrite them.
    make_append_only("audit_event")


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_event_object_id"), table_name="audit_event")
    op.drop_table("audit_event")
    op.execute("DROP FUNCTION IF EXISTS refuse_change()")

"""client assertions

Revision ID: 7ab191b00dbf
Revises: 641eb71a0e93
Create Date: 2026-11-23 20:07:00.447967
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7ab191b00dbf"
down_revision: str | None = "641eb71a0e93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "used_client_assertion",
        sa.Column("jti", sa.String(length=200), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["machine_client.client_id"],
            name=op.f("fk_used_client_assertion_client_id_machine_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("jti", "client_id", name=op.f("pk_used_client_assertion")),
    )
    op.create_index(op.f("ix_used_client_assertion_expires_at"), "used_client_assertion", ["expires_at"], unique=False)
    op.add_column("machine_client", sa.Column("jwks", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.alter_column("machine_client", "secret_hash", existing_type=sa.VARCHAR(length=255), nullable=True)
    # A client authenticates one way: a secret, or assertions signed by its registered keys.
    op.create_check_constraint(
        op.f("ck_machine_client_one_authentication_method"), "machine_client", "(secret_hash IS NULL) <> (jwks IS NULL)"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_machine_client_one_authentication_method"), "machine_client", type_="check")
    op.alter_column("machine_client", "secret_hash", existing_type=sa.VARCHAR(length=255), nullable=False)
    op.drop_column("machine_client", "jwks")
    op.drop_index(op.f("ix_used_client_assertion_expires_at"), table_name="used_client_assertion")
    op.drop_table("used_client_assertion")

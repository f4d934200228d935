"""indexes for recomputing the totals

``ix_ledger_entry_person_year_category`` (person, year, category; INCLUDE hours, required) replaces
``ix_ledger_entry_person_year``: ``hours.cli recompute-totals`` aggregates the whole ledger from it alone, in
key order, and compliance still reads a person-year's entries through its prefix. ``ix_learning_record_pending``
holds only the records awaiting review, the pending side of the same check.

Revision ID: c3d8e5f10004
Revises: b7e1c2a40003
Create Date: 2026-11-24 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3d8e5f10004"
down_revision: str | None = "b7e1c2a40003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_ledger_entry_person_year_category",
        "ledger_entry",
        ["person_id", "year", "category"],
        unique=False,
        postgresql_include=["hours", "required"],
    )
    op.drop_index("ix_ledger_entry_person_year", table_name="ledger_entry")
    op.create_index(
        "ix_learning_record_pending",
        "learning_record",
        ["person_id", "year", "category"],
        unique=False,
        postgresql_where=sa.text("status IN ('pending', 'first_reviewed')"),
    )


def downgrade() -> None:
    op.drop_index("ix_learning_record_pending", table_name="learning_record")
    op.create_index("ix_ledger_entry_person_year", "ledger_entry", ["person_id", "year"], unique=False)
    op.drop_index("ix_ledger_entry_person_year_category", table_name="ledger_entry")

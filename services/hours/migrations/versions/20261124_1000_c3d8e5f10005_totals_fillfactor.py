"""room on each page of the person-year totals for their updates

Every intake and every review updates ``person_year_total`` rows. With the default fill factor (100) the new
version of a row finds no room on its page, goes to another page and needs a new primary-key entry; with 80 it
usually stays on its page as a heap-only (HOT) update that touches no index. Pages written from now on keep the
room (existing ones fill as they are rewritten).

Revision ID: c3d8e5f10005
Revises: c3d8e5f10004
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c3d8e5f10005"
down_revision: str | None = "c3d8e5f10004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE person_year_total SET (fillfactor = 80)")


def downgrade() -> None:
    op.execute("ALTER TABLE person_year_total RESET (fillfactor)")

"""employer annual assessments

Revision ID: b7e1c2a40002
Revises: b7e1c2a40001
Create Date: 2026-11-23 22:00:00
"""

from collections.abc import Sequence

revision: str = "b7e1c2a40002"
down_revision: str | None = "b7e1c2a40001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

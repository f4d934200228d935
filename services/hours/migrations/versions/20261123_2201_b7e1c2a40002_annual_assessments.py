"""employer annual assessments

``annual_assessment``: the employer's yearly opinion on each person's continuing education (年度考核验证,
001 §2.3) with the year's standing when signed. Append-only: signing again adds a version, history is kept.

Revision ID: b7e1c2a40002
Revises: b7e1c2a40001
Create Date: 2026-11-23 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from cekit.migrations import make_append_only

revision: str = "b7e1c2a40002"
down_revision: str | None = "b7e1c2a40001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "annual_assessment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column(
            "version",
            sa.Integer(),
            nullable=False,
            comment="1 for the first signing of the person-year; +1 per signing",
        ),
        sa.Column("employer_id", sa.Uuid(), nullable=False, comment="the signing employer"),
        sa.Column("opinion", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column(
            "jurisdiction",
            sa.String(length=20),
            nullable=False,
            comment="the policy pack the snapshot was computed under",
        ),
        sa.Column(
            "compliant", sa.Boolean(), nullable=False, comment="whether the year met its requirement when signed"
        ),
        sa.Column(
            "snapshot",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="required, credited and shortfall hours when signed",
        ),
        sa.Column("signed_by", sa.String(length=200), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("opinion IN ('verified', 'not_verified')", name=op.f("ck_annual_assessment_opinion")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_annual_assessment_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_assessment")),
        sa.UniqueConstraint("person_id", "year", "version", name=op.f("uq_annual_assessment_person_id_year_version")),
        comment="employer annual assessments (年度考核验证, 001 §2.3), append-only: the highest version is current",
    )
    op.create_index("ix_annual_assessment_year_signed_at", "annual_assessment", ["year", "signed_at"], unique=False)
    # A signed opinion is a record of what the employer said: re-signing adds a version, nothing is rewritten.
    make_append_only("annual_assessment")


def downgrade() -> None:
    op.drop_index("ix_annual_assessment_year_signed_at", table_name="annual_assessment")
    op.drop_table("annual_assessment")

"""subject catalogue

``catalogue_course``: the year's public subjects (HR authorities) and professional guides (industry authorities),
000 art. 3, 001 §2.1, with Kaifeng's required (必修) courses (004 §3). A learning record's ``course_code`` cites
the catalogue of its year (a foreign key, so a cited course cannot be withdrawn), indexed for that check.

Revision ID: b7e1c2a40001
Revises: d6e102ac4738
Create Date: 2026-11-23 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e1c2a40001"
down_revision: str | None = "d6e102ac4738"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalogue_course",
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False, comment="unique per year across the deployment"),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column(
            "required", sa.Boolean(), server_default="false", nullable=False, comment="a required (必修) public course"
        ),
        sa.Column(
            "hours",
            sa.Numeric(precision=7, scale=1),
            nullable=True,
            comment="suggested hours (informational; crediting follows the rules)",
        ),
        sa.Column("industry", sa.String(length=60), nullable=True, comment="the industry of a professional guide"),
        sa.Column(
            "region_code",
            sa.String(length=6),
            nullable=False,
            comment="the publishing authority's region; 000000 nationwide",
        ),
        sa.Column("source", sa.String(length=300), nullable=False, comment="the document that publishes it"),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("category IN ('public', 'professional')", name=op.f("ck_catalogue_course_category")),
        sa.CheckConstraint("NOT required OR category = 'public'", name=op.f("ck_catalogue_course_required_public")),
        sa.CheckConstraint(
            "(category = 'professional') = (industry IS NOT NULL)", name=op.f("ck_catalogue_course_industry")
        ),
        sa.PrimaryKeyConstraint("year", "code", name=op.f("pk_catalogue_course")),
        comment="the subject catalogue (000 art. 3; 001 §2.1; 004 §3)",
    )
    op.create_index(
        "ix_learning_record_course",
        "learning_record",
        ["year", "course_code"],
        unique=False,
        postgresql_where=sa.text("course_code IS NOT NULL"),
    )
    op.create_foreign_key(
        op.f("fk_learning_record_year_catalogue_course"),
        "learning_record",
        "catalogue_course",
        ["year", "course_code"],
        ["year", "code"],
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_learning_record_year_catalogue_course"), "learning_record", type_="foreignkey")
    op.drop_index(
        "ix_learning_record_course", table_name="learning_record", postgresql_where=sa.text("course_code IS NOT NULL")
    )
    op.drop_table("catalogue_course")

"""learning records and the hour ledger

Learning records, the append-only ledger (the database refuses UPDATE, DELETE and TRUNCATE on it), per
person-year totals, person profiles, industry requirements and spot checks.

Revision ID: d6e102ac4738
Revises: 05c54d077926
Create Date: 2026-11-23 20:14:38.651429
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from cekit.migrations import make_append_only

revision: str = "d6e102ac4738"
down_revision: str | None = "05c54d077926"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "industry_requirement",
        sa.Column("industry", sa.String(length=60), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False, comment="where it applies; 000000 = nationwide"),
        sa.Column("total", sa.Numeric(precision=7, scale=1), nullable=True),
        sa.Column("public", sa.Numeric(precision=7, scale=1), nullable=True),
        sa.Column("professional", sa.Numeric(precision=7, scale=1), nullable=True),
        sa.Column("public_required", sa.Numeric(precision=7, scale=1), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False, comment="the document that sets it"),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("industry", "year", "region_code", name=op.f("pk_industry_requirement")),
    )
    op.create_table(
        "learning_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("submitter_type", sa.String(length=20), nullable=False, comment="institution | person | employer"),
        sa.Column(
            "submitter_id", sa.Uuid(), nullable=False, comment="the pushing institution's or declaring party's id"
        ),
        sa.Column("external_id", sa.String(length=100), nullable=True, comment="the submitter's own id of the record"),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False, comment="the person's region at intake"),
        sa.Column("employer_id", sa.Uuid(), nullable=True, comment="the person's employer at intake"),
        sa.Column("industry", sa.String(length=60), nullable=False, comment="the person's industry at intake"),
        sa.Column("title_level", sa.String(length=20), nullable=False, comment="the person's title at intake"),
        sa.Column(
            "year", sa.SmallInteger(), nullable=False, comment="the calendar year the hours count for (end date)"
        ),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("activity", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("result", sa.String(length=100), nullable=True),
        sa.Column("course_code", sa.String(length=60), nullable=True),
        sa.Column(
            "required", sa.Boolean(), server_default="false", nullable=False, comment="a required (必修) public course"
        ),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column(
            "hours", sa.Numeric(precision=7, scale=1), nullable=True, comment="hours given by the submitter (measure)"
        ),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("months", sa.Integer(), nullable=True),
        sa.Column("courses_passed", sa.Integer(), nullable=True),
        sa.Column("characters", sa.Integer(), nullable=True),
        sa.Column("credits", sa.Numeric(precision=7, scale=1), nullable=True),
        sa.Column(
            "credit_hours",
            sa.Numeric(precision=7, scale=1),
            nullable=False,
            comment="the hours computed at intake (pending until certified)",
        ),
        sa.Column("cap_group", sa.String(length=60), nullable=True, comment="the yearly cap these hours count against"),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("explanation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("category IN ('public', 'professional')", name=op.f("ck_learning_record_category")),
        sa.CheckConstraint(
            "status IN ('pending', 'first_reviewed', 'certified', 'rejected', 'withdrawn')",
            name=op.f("ck_learning_record_status"),
        ),
        sa.CheckConstraint("credit_hours >= 0", name=op.f("ck_learning_record_credit_hours")),
        sa.CheckConstraint("start_date <= end_date", name=op.f("ck_learning_record_dates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_record")),
        sa.UniqueConstraint(
            "submitter_type",
            "submitter_id",
            "external_id",
            name=op.f("uq_learning_record_submitter_type_submitter_id_external_id"),
        ),
    )
    op.create_index("ix_learning_record_person_year", "learning_record", ["person_id", "year"], unique=False)
    op.create_table(
        "person_profile",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("province_code", sa.String(length=6), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=True),
        sa.Column("title_level", sa.String(length=20), nullable=False),
        sa.Column("industry", sa.String(length=60), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_profile")),
    )
    op.create_table(
        "person_year_total",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("credited", sa.Numeric(precision=9, scale=1), server_default="0", nullable=False),
        sa.Column("pending", sa.Numeric(precision=9, scale=1), server_default="0", nullable=False),
        sa.Column(
            "required_credited",
            sa.Numeric(precision=9, scale=1),
            server_default="0",
            nullable=False,
            comment="of which required (必修)",
        ),
        sa.Column(
            "required_pending",
            sa.Numeric(precision=9, scale=1),
            server_default="0",
            nullable=False,
            comment="of which required (必修)",
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "year", "category", name=op.f("pk_person_year_total")),
    )
    op.create_table(
        "spot_check",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("authority_kind", sa.String(length=20), nullable=False, comment="hr | industry | admin"),
        sa.Column("region_code", sa.String(length=6), nullable=True, comment="the drawing authority's region"),
        sa.Column("industry", sa.String(length=60), nullable=True, comment="the drawing authority's industry"),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=True),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_check")),
    )
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False, comment="credit | reversal"),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("required", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "hours",
            sa.Numeric(precision=7, scale=1),
            nullable=False,
            comment="signed: credits positive, reversals negative",
        ),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("explanation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "(kind = 'credit' AND hours >= 0) OR (kind = 'reversal' AND hours <= 0)",
            name=op.f("ck_ledger_entry_kind_sign"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["learning_record.id"], name=op.f("fk_ledger_entry_record_id_learning_record")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
    )
    op.create_index("ix_ledger_entry_person_year", "ledger_entry", ["person_id", "year"], unique=False)
    op.create_index(op.f("ix_ledger_entry_record_id"), "ledger_entry", ["record_id"], unique=False)
    # Hours change only by new entries (a credit, a reversal): nobody may rewrite or remove one.
    make_append_only("ledger_entry")
    op.create_table(
        "spot_check_item",
        sa.Column("spot_check_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True, comment="null until checked"),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("checked_by", sa.String(length=200), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"], ["learning_record.id"], name=op.f("fk_spot_check_item_record_id_learning_record")
        ),
        sa.ForeignKeyConstraint(
            ["spot_check_id"], ["spot_check.id"], name=op.f("fk_spot_check_item_spot_check_id_spot_check")
        ),
        sa.PrimaryKeyConstraint("spot_check_id", "record_id", name=op.f("pk_spot_check_item")),
    )
    op.create_index(op.f("ix_spot_check_item_record_id"), "spot_check_item", ["record_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_spot_check_item_record_id"), table_name="spot_check_item")
    op.drop_table("spot_check_item")
    op.drop_index(op.f("ix_ledger_entry_record_id"), table_name="ledger_entry")
    op.drop_index("ix_ledger_entry_person_year", table_name="ledger_entry")
    op.drop_table("ledger_entry")
    op.drop_table("spot_check")
    op.drop_table("person_year_total")
    op.drop_table("person_profile")
    op.drop_index("ix_learning_record_person_year", table_name="learning_record")
    op.drop_table("learning_record")
    op.drop_table("industry_requirement")

"""People and organisations: real-name identity with encrypted ID numbers, employment and title history;
accounts and machine clients bound to existing organisations and people.

Employers, institutions and authorities share one ``organisation`` table told apart by ``type``; the check
constraints say what each type has (credit code, level, industry). The foreign keys from ``account`` and
``machine_client`` assume no account is yet bound to an organisation or person that does not exist (true of
every deployment so far: only the bootstrap admin, which is bound to neither).

Revision ID: 641eb71a0e93
Revises: eebb0e535670
Create Date: 2026-11-23 19:44:20.437580
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "641eb71a0e93"
down_revision: str | None = "eebb0e535670"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "employer",
                "institution",
                "authority",
                name="organisation_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.String(length=32),
            nullable=False,
            comment="EmployerKind, InstitutionKind or AuthorityKind by type",
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "credit_code", sa.String(length=18), nullable=True, comment="统一社会信用代码 (GB 32100); not authorities"
        ),
        sa.Column("region_code", sa.String(length=6), nullable=False, comment="GB/T 2260 code"),
        sa.Column(
            "level",
            sa.Enum(
                "province",
                "city",
                "county",
                name="authority_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("industry", sa.String(length=64), nullable=True),
        sa.Column(
            "contact", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(type = 'authority') = (credit_code IS NULL)", name=op.f("ck_organisation_credit_code_unless_authority")
        ),
        sa.CheckConstraint(
            "(type = 'authority') = (level IS NOT NULL)", name=op.f("ck_organisation_level_of_authority")
        ),
        sa.CheckConstraint(
            "(type = 'employer' AND industry IS NOT NULL)"
            " OR (type = 'institution' AND industry IS NULL)"
            " OR (type = 'authority' AND (kind = 'industry') = (industry IS NOT NULL))",
            name=op.f("ck_organisation_industry_of_type"),
        ),
        sa.CheckConstraint(
            "(type = 'employer' AND kind IN ('organ', 'enterprise', 'institution', 'social_org'))"
            " OR (type = 'institution' AND kind IN"
            " ('university', 'research_institute', 'enterprise_training', 'training_org', 'association'))"
            " OR (type = 'authority' AND kind IN ('hr', 'industry'))",
            name=op.f("ck_organisation_kind_of_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("type", "credit_code", name=op.f("uq_organisation_type_credit_code")),
    )
    op.create_index(op.f("ix_organisation_industry"), "organisation", ["industry"], unique=False)
    op.create_index(op.f("ix_organisation_region_code"), "organisation", ["region_code"], unique=False)
    op.create_index("ix_organisation_type_created_at_id", "organisation", ["type", "created_at", "id"], unique=False)
    op.create_index(
        "uq_organisation_hr_authority_region",
        "organisation",
        ["region_code"],
        unique=True,
        postgresql_where=sa.text("type = 'authority' AND kind = 'hr'"),
    )
    op.create_index(
        "uq_organisation_industry_authority_region",
        "organisation",
        ["region_code", "industry"],
        unique=True,
        postgresql_where=sa.text("type = 'authority' AND kind = 'industry'"),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("id_number_ciphertext", sa.LargeBinary(), nullable=False, comment="AES-256-GCM, AD = id (cekit.pii)"),
        sa.Column(
            "id_number_index",
            sa.LargeBinary(length=32),
            nullable=False,
            comment="HMAC-SHA-256 of the normalised 18-character number",
        ),
        sa.Column(
            "id_kind",
            sa.Enum(
                "resident",
                "residence_permit",
                "permanent_residence",
                name="id_number_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "sex",
            sa.Enum("male", "female", name="sex", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False, comment="registered region, GB/T 2260"),
        sa.Column("industry", sa.String(length=64), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=True, comment="current employer (open employment)"),
        sa.Column(
            "title_level",
            sa.Enum(
                "none",
                "junior",
                "intermediate",
                "associate_senior",
                "senior",
                name="title_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
            comment="current title level",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["employer_id"], ["organisation.id"], name=op.f("fk_person_employer_id_organisation")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("id_number_index", name=op.f("uq_person_id_number_index")),
    )
    op.create_index("ix_person_created_at_id", "person", ["created_at", "id"], unique=False)
    op.create_index(op.f("ix_person_employer_id"), "person", ["employer_id"], unique=False)
    op.create_index(op.f("ix_person_industry"), "person", ["industry"], unique=False)
    op.create_index(op.f("ix_person_region_code"), "person", ["region_code"], unique=False)
    op.create_table(
        "employment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True, comment="null: already employed there when registered"),
        sa.Column("end_date", sa.Date(), nullable=True, comment="last day, inclusive"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name=op.f("ck_employment_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["organisation.id"], name=op.f("fk_employment_employer_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_employment_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employment")),
    )
    op.create_index(op.f("ix_employment_employer_id"), "employment", ["employer_id"], unique=False)
    op.create_index(op.f("ix_employment_person_id"), "employment", ["person_id"], unique=False)
    op.create_index(
        "uq_employment_open_per_person",
        "employment",
        ["person_id"],
        unique=True,
        postgresql_where=sa.text("end_date IS NULL"),
    )
    op.create_table(
        "title_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "title_level",
            sa.Enum(
                "none",
                "junior",
                "intermediate",
                "associate_senior",
                "senior",
                name="title_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("effective_date", sa.Date(), nullable=True, comment="null: already held when registered"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_title_change_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_title_change")),
        sa.UniqueConstraint("person_id", "effective_date", name=op.f("uq_title_change_person_id_effective_date")),
    )
    op.create_index(op.f("ix_title_change_person_id"), "title_change", ["person_id"], unique=False)
    op.alter_column(
        "account",
        "region_code",
        existing_type=sa.VARCHAR(length=6),
        comment="GB/T 2260 code of the account's organisation or person (derived, never input)",
        existing_comment="GB/T 2260 code an official acts for",
        existing_nullable=True,
    )
    op.alter_column(
        "account",
        "industry",
        existing_type=sa.VARCHAR(length=64),
        comment="industry of the account's organisation or person (derived, never input)",
        existing_comment="industry an industry official acts for",
        existing_nullable=True,
    )
    op.create_index(op.f("ix_account_org_id"), "account", ["org_id"], unique=False)
    op.create_index(op.f("ix_account_person_id"), "account", ["person_id"], unique=False)
    op.create_foreign_key(op.f("fk_account_org_id_organisation"), "account", "organisation", ["org_id"], ["id"])
    op.create_foreign_key(op.f("fk_account_person_id_person"), "account", "person", ["person_id"], ["id"])
    op.create_index(op.f("ix_machine_client_org_id"), "machine_client", ["org_id"], unique=False)
    op.create_foreign_key(
        op.f("fk_machine_client_org_id_organisation"), "machine_client", "organisation", ["org_id"], ["id"]
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_machine_client_org_id_organisation"), "machine_client", type_="foreignkey")
    op.drop_index(op.f("ix_machine_client_org_id"), table_name="machine_client")
    op.drop_constraint(op.f("fk_account_person_id_person"), "account", type_="foreignkey")
    op.drop_constraint(op.f("fk_account_org_id_organisation"), "account", type_="foreignkey")
    op.drop_index(op.f("ix_account_person_id"), table_name="account")
    op.drop_index(op.f("ix_account_org_id"), table_name="account")
    op.alter_column(
        "account",
        "industry",
        existing_type=sa.VARCHAR(length=64),
        comment="industry an industry official acts for",
        existing_comment="industry of the account's organisation or person (derived, never input)",
        existing_nullable=True,
    )
    op.alter_column(
        "account",
        "region_code",
        existing_type=sa.VARCHAR(length=6),
        comment="GB/T 2260 code an official acts for",
        existing_comment="GB/T 2260 code of the account's organisation or person (derived, never input)",
        existing_nullable=True,
    )
    op.drop_index(op.f("ix_title_change_person_id"), table_name="title_change")
    op.drop_table("title_change")
    op.drop_index(
        "uq_employment_open_per_person", table_name="employment", postgresql_where=sa.text("end_date IS NULL")
    )
    op.drop_index(op.f("ix_employment_person_id"), table_name="employment")
    op.drop_index(op.f("ix_employment_employer_id"), table_name="employment")
    op.drop_table("employment")
    op.drop_index(op.f("ix_person_region_code"), table_name="person")
    op.drop_index(op.f("ix_person_industry"), table_name="person")
    op.drop_index(op.f("ix_person_employer_id"), table_name="person")
    op.drop_index("ix_person_created_at_id", table_name="person")
    op.drop_table("person")
    op.drop_index(
        "uq_organisation_industry_authority_region",
        table_name="organisation",
        postgresql_where=sa.text("type = 'authority' AND kind = 'industry'"),
    )
    op.drop_index(
        "uq_organisation_hr_authority_region",
        table_name="organisation",
        postgresql_where=sa.text("type = 'authority' AND kind = 'hr'"),
    )
    op.drop_index("ix_organisation_type_created_at_id", table_name="organisation")
    op.drop_index(op.f("ix_organisation_region_code"), table_name="organisation")
    op.drop_index(op.f("ix_organisation_industry"), table_name="organisation")
    op.drop_table("organisation")

"""certificates, statements and status lists

``certificate``: one per person with its opaque public code (000 art. 14); ``statement``: signed annual statements
as issued, with their revocation and suspension positions; ``status_list``: the W3C Bitstring Status Lists.

Revision ID: fd82b7cfd553
Revises: 9037ac17d4a0
Create Date: 2026-11-23 22:08:45.313655
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fd82b7cfd553"
down_revision: str | None = "9037ac17d4a0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "certificate",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False, comment="opaque public code (never the ID number)"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_certificate")),
        sa.UniqueConstraint("code", name=op.f("uq_certificate_code")),
        comment="one e-certificate per person (000 art. 14); its number, the ID number, is kept by the registry only",
    )
    op.create_table(
        "status_list",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False, comment="revocation | suspension"),
        sa.Column("size", sa.Integer(), nullable=False, comment="number of entries (bits)"),
        sa.Column("bits", sa.LargeBinary(), nullable=False, comment="the raw bitstring, size / 8 bytes"),
        sa.Column("allocated", sa.Integer(), server_default="0", nullable=False, comment="indexes given out"),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False, comment="grows with every bit change"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("purpose IN ('revocation', 'suspension')", name=op.f("ck_status_list_purpose")),
        sa.CheckConstraint("allocated >= 0 AND allocated <= size", name=op.f("ck_status_list_allocated")),
        sa.CheckConstraint("size % 8 = 0 AND octet_length(bits) * 8 = size", name=op.f("ck_status_list_bits_size")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_list")),
        comment="W3C Bitstring Status Lists of our statements",
    )
    op.create_table(
        "statement",
        sa.Column("id", sa.Uuid(), nullable=False, comment="the credential's id is urn:uuid:<id>"),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("kid", sa.String(length=100), nullable=False, comment="the signing key"),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revocation_list_id", sa.Integer(), nullable=False),
        sa.Column("revocation_index", sa.Integer(), nullable=False),
        sa.Column("suspension_list_id", sa.Integer(), nullable=False),
        sa.Column("suspension_index", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True, comment="set while suspended"),
        sa.Column("suspension_reason", sa.Text(), nullable=True),
        sa.Column("credential", sa.Text(), nullable=False, comment="the compact JWS as issued"),
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (revocation_reason IS NULL)", name=op.f("ck_statement_revocation_reason")
        ),
        sa.CheckConstraint(
            "(suspended_at IS NULL) = (suspension_reason IS NULL)", name=op.f("ck_statement_suspension_reason")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["certificate.person_id"], name=op.f("fk_statement_person_id_certificate")
        ),
        sa.ForeignKeyConstraint(
            ["revocation_list_id"], ["status_list.id"], name=op.f("fk_statement_revocation_list_id_status_list")
        ),
        sa.ForeignKeyConstraint(
            ["suspension_list_id"], ["status_list.id"], name=op.f("fk_statement_suspension_list_id_status_list")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement")),
        sa.UniqueConstraint(
            "revocation_list_id", "revocation_index", name=op.f("uq_statement_revocation_list_id_revocation_index")
        ),
        sa.UniqueConstraint(
            "suspension_list_id", "suspension_index", name=op.f("uq_statement_suspension_list_id_suspension_index")
        ),
        comment="signed annual statements (W3C verifiable credentials, vc+jwt) as issued",
    )
    op.create_index("ix_statement_person_id_year", "statement", ["person_id", "year"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_statement_person_id_year", table_name="statement")
    op.drop_table("statement")
    op.drop_table("status_list")
    op.drop_table("certificate")

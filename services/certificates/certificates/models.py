"""Tables of the certificates service (its own database), in SQLAlchemy Core.

* ``certificate``: one per person (一人一证, 000 art. 14). Its number is the person's ID number, which this
  service never stores; what it keeps is the opaque random ``code`` that public views and credentials use.
* ``statement``: each signed annual statement (a W3C verifiable credential) as issued, with its two status-list
  positions (revocation, suspension) and its revocation / suspension state. The credential is kept verbatim:
  its id is ``urn:uuid:<statement id>``.
* ``status_list``: W3C Bitstring Status Lists, one bit per issued statement and purpose. ``bits`` is the raw
  bitstring (bit 0 = the most significant bit of the first byte); ``version`` grows with every change and names
  the served list (its ETag).
* ``partner``, ``recognition``, ``partner_token_use``: Jing-Jin-Ji mutual recognition (000 art. 22) — the partner
  provinces we trust, the partner statements whose hours we credited, and the single-use ids of the JWTs partners
  call ``/jjj/`` with.
"""

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from cekit.audit import audit_table
from cekit.db import make_metadata
from cekit.idempotency import idempotency_table

metadata = make_metadata()
audit_event = audit_table(metadata)
idempotency_record = idempotency_table(metadata)

certificate = Table(
    "certificate",
    metadata,
    Column("person_id", Uuid, primary_key=True),
    Column("code", String(32), nullable=False, unique=True, comment="opaque public code (never the ID number)"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    comment="one e-certificate per person (000 art. 14); its number, the ID number, is kept by the registry only",
)

status_list = Table(
    "status_list",
    metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("purpose", String(20), nullable=False, comment="revocation | suspension"),
    Column("size", Integer, nullable=False, comment="number of entries (bits)"),
    Column("bits", LargeBinary, nullable=False, comment="the raw bitstring, size / 8 bytes"),
    Column("allocated", Integer, nullable=False, server_default="0", comment="indexes given out"),
    Column("version", Integer, nullable=False, server_default="0", comment="grows with every bit change"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("purpose IN ('revocation', 'suspension')", name="purpose"),
    CheckConstraint("size % 8 = 0 AND octet_length(bits) * 8 = size", name="bits_size"),
    CheckConstraint("allocated >= 0 AND allocated <= size", name="allocated"),
    comment="W3C Bitstring Status Lists of our statements",
)

statement = Table(
    "statement",
    metadata,
    Column("id", Uuid, primary_key=True, comment="the credential's id is urn:uuid:<id>"),
    Column("person_id", Uuid, ForeignKey("certificate.person_id"), nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("kid", String(100), nullable=False, comment="the signing key"),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("issued_by", String(200), nullable=False),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=False),
    Column("revocation_list_id", Integer, ForeignKey("status_list.id"), nullable=False),
    Column("revocation_index", Integer, nullable=False),
    Column("suspension_list_id", Integer, ForeignKey("status_list.id"), nullable=False),
    Column("suspension_index", Integer, nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("revocation_reason", Text, nullable=True),
    Column("suspended_at", DateTime(timezone=True), nullable=True, comment="set while suspended"),
    Column("suspension_reason", Text, nullable=True),
    Column("credential", Text, nullable=False, comment="the compact JWS as issued"),
    UniqueConstraint("revocation_list_id", "revocation_index"),
    UniqueConstraint("suspension_list_id", "suspension_index"),
    CheckConstraint("(revoked_at IS NULL) = (revocation_reason IS NULL)", name="revocation_reason"),
    CheckConstraint("(suspended_at IS NULL) = (suspension_reason IS NULL)", name="suspension_reason"),
    Index("ix_statement_person_id_year", "person_id", "year"),
    comment="signed annual statements (W3C verifiable credentials, vc+jwt) as issued",
)

partner = Table(
    "partner",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("region_code", String(6), nullable=False, comment="GB/T 2260 code of the partner province"),
    Column("name", String(200), nullable=False),
    Column("issuer", String(200), nullable=False, comment="the issuer id its credentials name"),
    Column("jwks_url", Text, nullable=True, comment="where its public keys are published (or jwks)"),
    Column("jwks", JSONB(none_as_null=True), nullable=True, comment="its public keys given inline (or jwks_url)"),
    Column("base_url", Text, nullable=False, comment="its public base URL: its status lists must live under it"),
    Column("status", String(10), nullable=False, comment="active | revoked"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("revoked_by", String(200), nullable=True),
    Column("revocation_reason", Text, nullable=True),
    CheckConstraint("status IN ('active', 'revoked')", name="status"),
    CheckConstraint("(jwks_url IS NULL) <> (jwks IS NULL)", name="one_key_source"),
    CheckConstraint("(status = 'revoked') = (revoked_at IS NOT NULL)", name="revoked_at"),
    # One active partner per issuer and per region; a revoked one may be registered again (new keys, new URL).
    Index("uq_partner_issuer_active", "issuer", unique=True, postgresql_where=text("status = 'active'")),
    Index("uq_partner_region_code_active", "region_code", unique=True, postgresql_where=text("status = 'active'")),
    comment="partner provinces whose statements we verify and recognise (000 art. 22)",
)

recognition = Table(
    "recognition",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("person_id", Uuid, nullable=False),
    Column("issuer", String(200), nullable=False),
    Column("partner_region_code", String(6), nullable=False),
    Column("credential_id", String(200), nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("credential", Text, nullable=False, comment="the partner's compact JWS as submitted"),
    Column("status", String(12), nullable=False, comment="recognised | withdrawn"),
    Column("hours_credited", Numeric(7, 1), nullable=False, comment="hours this recognition credited"),
    Column("entries", JSONB, nullable=False, comment="[{entry_id, status, record_id, hours}] as hours answered"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("withdrawn_at", DateTime(timezone=True), nullable=True),
    Column("withdrawal_reason", Text, nullable=True),
    Column("checked_at", DateTime(timezone=True), nullable=True, comment="last re-verification"),
    Column("check_outcome", String(20), nullable=True, comment="valid | revoked | suspended | indeterminate"),
    Column("check_detail", Text, nullable=True),
    CheckConstraint("status IN ('recognised', 'withdrawn')", name="status"),
    CheckConstraint("(status = 'withdrawn') = (withdrawn_at IS NOT NULL)", name="withdrawn_at"),
    UniqueConstraint("issuer", "credential_id"),
    Index("ix_recognition_person_id_created_at", "person_id", "created_at", "id"),
    Index("ix_recognition_status_id", "status", "id"),
    comment="partner statements whose certified hours were credited here (000 art. 22)",
)

partner_token_use = Table(
    "partner_token_use",
    metadata,
    Column("issuer", String(200), nullable=False),
    Column("jti", String(200), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("issuer", "jti"),
    Index("ix_partner_token_use_expires_at", "expires_at"),
    comment="JWT ids partners have called /jjj/ with, kept until the token expires: each is accepted once",
)

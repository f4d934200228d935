"""Tables of the certificates service (its own database), in SQLAlchemy Core.

* ``certificate``: one per person (一人一证, 000 art. 14). Its number is the person's ID number, which this
  service never stores; what it keeps is the opaque random ``code`` that public views and credentials use.
* ``statement``: each signed annual statement (a W3C verifiable credential) as issued, with its two status-list
  positions (revocation, suspension) and its revocation / suspension state. The credential is kept verbatim:
  its id is ``urn:uuid:<statement id>``.
* ``status_list``: W3C Bitstring Status Lists, one bit per issued statement and purpose. ``bits`` is the raw
  bitstring (bit 0 = the most significant bit of the first byte); ``version`` grows with every change and names
  the served list (its ETag).
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
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)

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

"""Tables of the hours service (its own database), in SQLAlchemy Core: the hot paths are bulk statements.

* ``learning_record``: what an institution pushed or a person / employer declared, with the person's facts
  (region, employer, industry, title) as the registry gave them at intake, the hours computed then, and the
  review status. Hours of a record count as *pending* until certified.
* ``ledger_entry``: the hour ledger, append-only (the database refuses UPDATE, DELETE and TRUNCATE): a
  ``credit`` when a record is certified, a ``reversal`` (negative hours) when a spot check withdraws it.
* ``person_year_total``: credited and pending sums per person, year and category, kept current in the same
  transaction as every change, so compliance reads two rows instead of scanning the ledger;
  ``hours.cli recompute-totals`` checks them against the ledger and the records.
* ``person_profile``: the latest registry facts about each person seen at intake (compliance and
  authorisation need region, employer, title and industry without asking the registry again).
* ``industry_requirement``: higher yearly requirements set by industry authorities (001 §2.2).
* ``spot_check`` / ``spot_check_item``: samples drawn by authorities and their results (抽查, 000 art. 16).
* ``catalogue_course``: the subject catalogue — public subjects published by HR authorities, professional
  guides by industry authorities (000 art. 3; 001 §2.1), Kaifeng's required (必修) courses (004 §3); a record's
  ``course_code`` cites it.
* ``annual_assessment``: the employer's yearly opinion on each person's continuing education (年度考核验证,
  001 §2.3), append-only: signing again adds a version, the highest is current; each keeps the year's standing
  when it was signed.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
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
from sqlalchemy.dialects.postgresql import JSON, JSONB

from cekit.audit import audit_table
from cekit.db import make_metadata
from cekit.idempotency import idempotency_table

metadata = make_metadata()
audit_event = audit_table(metadata)
idempotency_record = idempotency_table(metadata)

HOURS = Numeric(7, 1)
SUM = Numeric(9, 1)

learning_record = Table(
    "learning_record",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("submitter_type", String(20), nullable=False, comment="institution | person | employer"),
    Column("submitter_id", Uuid, nullable=False, comment="the pushing institution's or declaring party's id"),
    Column("external_id", String(100), nullable=True, comment="the submitter's own id of the record"),
    Column("person_id", Uuid, nullable=False),
    Column("region_code", String(6), nullable=False, comment="the person's region at intake"),
    Column("employer_id", Uuid, nullable=True, comment="the person's employer at intake"),
    Column("industry", String(60), nullable=False, comment="the person's industry at intake"),
    Column("title_level", String(20), nullable=False, comment="the person's title at intake"),
    Column("year", SmallInteger, nullable=False, comment="the calendar year the hours count for (end date)"),
    Column("category", String(20), nullable=False),
    Column("activity", String(30), nullable=False),
    Column("title", String(300), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("result", String(100), nullable=True),
    Column("course_code", String(60), nullable=True),
    Column("required", Boolean, nullable=False, server_default="false", comment="a required (必修) public course"),
    Column("days", Integer, nullable=True),
    Column("hours", HOURS, nullable=True, comment="hours given by the submitter (measure)"),
    Column("minutes", Integer, nullable=True),
    Column("months", Integer, nullable=True),
    Column("courses_passed", Integer, nullable=True),
    Column("characters", Integer, nullable=True),
    Column("credits", HOURS, nullable=True),
    Column("credit_hours", HOURS, nullable=False, comment="the hours computed at intake (pending until certified)"),
    Column("cap_group", String(60), nullable=True, comment="the yearly cap these hours count against"),
    Column("rule", String(100), nullable=False),
    Column("source", String(300), nullable=False),
    # json, not jsonb: the document is written once and read whole, never searched; jsonb's parse into its binary
    # form cost PostgreSQL 2.5 µs a record at intake (json only checks the text), and json keeps the key order
    # the explanation was written in.
    Column("explanation", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("submitter_type", "submitter_id", "external_id"),
    CheckConstraint("status IN ('pending', 'first_reviewed', 'certified', 'rejected', 'withdrawn')", name="status"),
    CheckConstraint("category IN ('public', 'professional')", name="category"),
    CheckConstraint("credit_hours >= 0", name="credit_hours"),
    CheckConstraint("start_date <= end_date", name="dates"),
    Index("ix_learning_record_person_year", "person_id", "year"),
    # The records awaiting review (a small share of all), for recompute-totals' pending side.
    Index(
        "ix_learning_record_pending",
        "person_id",
        "year",
        "category",
        postgresql_where=text("status IN ('pending', 'first_reviewed')"),
    ),
    # A course code cites the catalogue of the record's year; a cited course cannot be withdrawn.
    ForeignKeyConstraint(["year", "course_code"], ["catalogue_course.year", "catalogue_course.code"]),
    Index("ix_learning_record_course", "year", "course_code", postgresql_where=text("course_code IS NOT NULL")),
)

ledger_entry = Table(
    "ledger_entry",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("kind", String(10), nullable=False, comment="credit | reversal"),
    Column("person_id", Uuid, nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("category", String(20), nullable=False),
    Column("required", Boolean, nullable=False, server_default="false"),
    Column("hours", HOURS, nullable=False, comment="signed: credits positive, reversals negative"),
    Column("record_id", Uuid, ForeignKey("learning_record.id"), nullable=False, index=True),
    Column("rule", String(100), nullable=False),
    Column("source", String(300), nullable=False),
    Column("explanation", JSONB, nullable=False),
    Column("actor", String(200), nullable=False),
    CheckConstraint("(kind = 'credit' AND hours >= 0) OR (kind = 'reversal' AND hours <= 0)", name="kind_sign"),
    # Covering: recompute-totals aggregates the whole ledger from this index alone, in key order; compliance
    # reads a person-year's entries through its prefix.
    Index(
        "ix_ledger_entry_person_year_category",
        "person_id",
        "year",
        "category",
        postgresql_include=["hours", "required"],
    ),
)

person_year_total = Table(
    "person_year_total",
    metadata,
    Column("person_id", Uuid, nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("category", String(20), nullable=False),
    Column("credited", SUM, nullable=False, server_default="0"),
    Column("pending", SUM, nullable=False, server_default="0"),
    Column("required_credited", SUM, nullable=False, server_default="0", comment="of which required (必修)"),
    Column("required_pending", SUM, nullable=False, server_default="0", comment="of which required (必修)"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("person_id", "year", "category"),
    # Room on each page for the updates every intake and review makes: most stay heap-only (migration c3d8e5f10005).
    postgresql_with={"fillfactor": 80},
)

person_profile = Table(
    "person_profile",
    metadata,
    Column("person_id", Uuid, primary_key=True),
    Column("region_code", String(6), nullable=False),
    Column("province_code", String(6), nullable=False),
    Column("employer_id", Uuid, nullable=True),
    Column("title_level", String(20), nullable=False),
    Column("industry", String(60), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

industry_requirement = Table(
    "industry_requirement",
    metadata,
    Column("industry", String(60), nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("region_code", String(6), nullable=False, comment="where it applies; 000000 = nationwide"),
    Column("total", HOURS, nullable=True),
    Column("public", HOURS, nullable=True),
    Column("professional", HOURS, nullable=True),
    Column("public_required", HOURS, nullable=True),
    Column("source", String(300), nullable=False, comment="the document that sets it"),
    Column("set_by", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("industry", "year", "region_code"),
)

spot_check = Table(
    "spot_check",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", String(200), nullable=False),
    Column("authority_kind", String(20), nullable=False, comment="hr | industry | admin"),
    Column("region_code", String(6), nullable=True, comment="the drawing authority's region"),
    Column("industry", String(60), nullable=True, comment="the drawing authority's industry"),
    Column("year", SmallInteger, nullable=False),
    Column("category", String(20), nullable=True),
    Column("sample_size", Integer, nullable=False),
)

spot_check_item = Table(
    "spot_check_item",
    metadata,
    Column("spot_check_id", Uuid, ForeignKey("spot_check.id"), nullable=False),
    Column("record_id", Uuid, ForeignKey("learning_record.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("passed", Boolean, nullable=True, comment="null until checked"),
    Column("comment", Text, nullable=True),
    Column("checked_by", String(200), nullable=True),
    Column("checked_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("spot_check_id", "record_id"),
)

recognised_entry = Table(
    "recognised_entry",
    metadata,
    Column("issuer", String(200), nullable=False, comment="the partner's issuer id"),
    Column("entry_id", String(100), nullable=False, comment="the partner's id of the certified entry"),
    Column("credential_id", String(200), nullable=False, comment="the credential that brought the entry first"),
    Column("record_id", Uuid, ForeignKey("learning_record.id"), nullable=False, unique=True),
    Column("person_id", Uuid, nullable=False),
    Column("partner_region_code", String(6), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # An entry is the partner's certified record; its statements of later years (or a re-issued statement)
    # repeat it under other credential ids, and it must still count once.
    PrimaryKeyConstraint("issuer", "entry_id"),
    Index("ix_recognised_entry_issuer_credential_id", "issuer", "credential_id"),
    comment="hours recognised from a partner province's statement (000 art. 22), once per certified entry",
)

catalogue_course = Table(
    "catalogue_course",
    metadata,
    Column("year", SmallInteger, nullable=False),
    Column("code", String(60), nullable=False, comment="unique per year across the deployment"),
    Column("category", String(20), nullable=False),
    Column("title", String(300), nullable=False),
    Column("required", Boolean, nullable=False, server_default="false", comment="a required (必修) public course"),
    Column("hours", HOURS, nullable=True, comment="suggested hours (informational; crediting follows the rules)"),
    Column("industry", String(60), nullable=True, comment="the industry of a professional guide"),
    Column("region_code", String(6), nullable=False, comment="the publishing authority's region; 000000 nationwide"),
    Column("source", String(300), nullable=False, comment="the document that publishes it"),
    Column("published_by", String(200), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("year", "code"),
    CheckConstraint("category IN ('public', 'professional')", name="category"),
    CheckConstraint("NOT required OR category = 'public'", name="required_public"),
    CheckConstraint("(category = 'professional') = (industry IS NOT NULL)", name="industry"),
    comment="the subject catalogue (000 art. 3; 001 §2.1; 004 §3)",
)

annual_assessment = Table(
    "annual_assessment",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("person_id", Uuid, nullable=False),
    Column("year", SmallInteger, nullable=False),
    Column("version", Integer, nullable=False, comment="1 for the first signing of the person-year; +1 per signing"),
    Column("employer_id", Uuid, nullable=False, comment="the signing employer"),
    Column("opinion", String(20), nullable=False),
    Column("comment", Text, nullable=True),
    Column("jurisdiction", String(20), nullable=False, comment="the policy pack the snapshot was computed under"),
    Column("compliant", Boolean, nullable=False, comment="whether the year met its requirement when signed"),
    Column("snapshot", JSONB, nullable=False, comment="required, credited and shortfall hours when signed"),
    Column("signed_by", String(200), nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("person_id", "year", "version"),
    CheckConstraint("opinion IN ('verified', 'not_verified')", name="opinion"),
    CheckConstraint("version >= 1", name="version"),
    Index("ix_annual_assessment_year_signed_at", "year", "signed_at"),
    comment="employer annual assessments (年度考核验证, 001 §2.3), append-only: the highest version is current",
)

"""Tables of the registry service (its own database)."""

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    UniqueConstraint,
    func,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from cekit.audit import audit_table
from cekit.db import make_metadata
from cekit.identifiers import IdNumberKind
from registry.roles import ClientRole, Role
from registry.vocabulary import (
    AuthorityKind,
    AuthorityLevel,
    EmployerKind,
    InstitutionKind,
    OrganisationType,
    Sex,
    TitleLevel,
)

USERNAME_MAX_LENGTH = 100  # audit_event.object_id holds a username (lockouts): keep within its 100 characters


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = make_metadata()


def _enum(enum: type[StrEnum], name: str) -> Enum:
    # A VARCHAR with a CHECK rather than a PostgreSQL ENUM type: adding a role stays a one-line migration.
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Account(Base):
    """A user account: a person, an official, an employer's or institution's staff, an expert, an admin."""

    __tablename__ = "account"
    __table_args__ = (
        # Usernames are case-insensitive: stored lower-cased, so a plain unique constraint is enough.
        CheckConstraint("username = lower(username)", name="username_lower_case"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "account_role"))
    org_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisation.id"), index=True, comment="employer, institution or authority of the account"
    )
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(
        String(6), comment="GB/T 2260 code of the account's organisation or person (derived, never input)"
    )
    industry: Mapped[str | None] = mapped_column(
        String(64), comment="industry of the account's organisation or person (derived, never input)"
    )
    active: Mapped[bool] = mapped_column(server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class MachineClient(Base):
    """An OAuth client: authenticates with its own secret, or with assertions signed by a key of its
    registered ``jwks`` (RFC 7523 ``private_key_jwt``; then it has no secret at all)."""

    __tablename__ = "machine_client"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[ClientRole] = mapped_column(_enum(ClientRole, "client_role"))
    org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    secret_hash: Mapped[str | None] = mapped_column(String(255))
    # none_as_null: a client without keys has SQL NULL here, not the JSON value null.
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    active: Mapped[bool] = mapped_column(server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )

    __table_args__ = (CheckConstraint("(secret_hash IS NULL) <> (jwks IS NULL)", name="one_authentication_method"),)


class UsedClientAssertion(Base):
    """The ``jti`` of every accepted client assertion until it expires: each is accepted once (RFC 7523 §3)."""

    __tablename__ = "used_client_assertion"

    jti: Mapped[str] = mapped_column(String(200), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("machine_client.client_id", ondelete="CASCADE"), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class RefreshToken(Base):
    """One refresh token of a family (the chain of rotations that started with one login).

    Only the SHA-256 of the token is stored. A token is used once: using it marks it ``rotated_at`` and
    issues the next one of the family; presenting a rotated token again means it leaked, and the whole
    family is revoked (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
    """

    __tablename__ = "refresh_token"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(64), comment="the OAuth client the token was issued to")
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FailedLogin(Base):
    """A failed password login, kept for the lockout window; usernames need not exist (no account oracle)."""

    __tablename__ = "failed_login"
    __table_args__ = (Index("ix_failed_login_username_attempted_at", "username", "attempted_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH))
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)  # the sweep of expired rows


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


class Organisation(Base):
    """An employer (用人单位), a training institution (施教机构) or an authority (主管部门), told apart by ``type``.

    One table rather than three: accounts and machine clients hold one ``org_id`` whose type must be checked
    (one primary-key lookup, one foreign key), and the three share identity, region, name, contact and audit.
    The differences are column constraints below: what ``kind`` may be, and which of ``credit_code``,
    ``level`` and ``industry`` each type has.
    """

    __tablename__ = "organisation"
    __table_args__ = (
        # A university may be an employer (of its staff) and an institution (of its trainees): a credit code
        # is unique within each register, not across them.
        UniqueConstraint("type", "credit_code"),
        # One HR authority per region, one industry authority per region and industry.
        Index(
            "uq_organisation_hr_authority_region",
            "region_code",
            unique=True,
            postgresql_where=text("type = 'authority' AND kind = 'hr'"),
        ),
        Index(
            "uq_organisation_industry_authority_region",
            "region_code",
            "industry",
            unique=True,
            postgresql_where=text("type = 'authority' AND kind = 'industry'"),
        ),
        Index("ix_organisation_type_created_at_id", "type", "created_at", "id"),
        CheckConstraint(
            f"(type = 'employer' AND kind IN ({_values(EmployerKind)}))"
            f" OR (type = 'institution' AND kind IN ({_values(InstitutionKind)}))"
            f" OR (type = 'authority' AND kind IN ({_values(AuthorityKind)}))",
            name="kind_of_type",
        ),
        CheckConstraint("(type = 'authority') = (credit_code IS NULL)", name="credit_code_unless_authority"),
        CheckConstraint("(type = 'authority') = (level IS NOT NULL)", name="level_of_authority"),
        CheckConstraint(
            "(type = 'employer' AND industry IS NOT NULL)"
            " OR (type = 'institution' AND industry IS NULL)"
            " OR (type = 'authority' AND (kind = 'industry') = (industry IS NOT NULL))",
            name="industry_of_type",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    type: Mapped[OrganisationType] = mapped_column(_enum(OrganisationType, "organisation_type"))
    kind: Mapped[str] = mapped_column(String(32), comment="EmployerKind, InstitutionKind or AuthorityKind by type")
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18), comment="统一社会信用代码 (GB 32100); not authorities")
    region_code: Mapped[str] = mapped_column(String(6), index=True, comment="GB/T 2260 code")
    level: Mapped[AuthorityLevel | None] = mapped_column(_enum(AuthorityLevel, "authority_level"))
    industry: Mapped[str | None] = mapped_column(String(64), index=True)
    contact: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class Person(Base):
    """A professional (专业技术人员) registered under their real name, one row per national ID number.

    The ID number is personal information: only its AES-GCM ciphertext (the row id as associated data) and a
    keyed blind index for equality lookups are stored. ``employer_id`` and ``title_level`` are the current
    values; their dated history is in ``employment`` and ``title_change``.
    """

    __tablename__ = "person"
    __table_args__ = (Index("ix_person_created_at_id", "created_at", "id"),)

    # No default: the id is the ciphertext's associated data, so the service generates it before encrypting.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id_number_ciphertext: Mapped[bytes] = mapped_column(LargeBinary, comment="AES-256-GCM, AD = id (cekit.pii)")
    id_number_index: Mapped[bytes] = mapped_column(
        LargeBinary(32), unique=True, comment="HMAC-SHA-256 of the normalised 18-character number"
    )
    id_kind: Mapped[IdNumberKind] = mapped_column(_enum(IdNumberKind, "id_number_kind"))
    name: Mapped[str] = mapped_column(String(100))
    sex: Mapped[Sex] = mapped_column(_enum(Sex, "sex"))
    birth_date: Mapped[date] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(String(6), index=True, comment="registered region, GB/T 2260")
    industry: Mapped[str] = mapped_column(String(64), index=True)
    employer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisation.id"), index=True, comment="current employer (open employment)"
    )
    title_level: Mapped[TitleLevel] = mapped_column(_enum(TitleLevel, "title_level"), comment="current title level")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )

    # Oldest first; an entry known at registration has no date and comes first.
    employments: Mapped[list["Employment"]] = relationship(
        lazy="raise", order_by="[Employment.start_date.asc().nulls_first(), Employment.recorded_at]"
    )
    titles: Mapped[list["TitleChange"]] = relationship(
        lazy="raise", order_by="[TitleChange.effective_date.asc().nulls_first(), TitleChange.recorded_at]"
    )


class Employment(Base):
    """A period of employment (任职单位) of a person; at most one is open (no ``end_date``) at a time."""

    __tablename__ = "employment"
    __table_args__ = (
        Index("uq_employment_open_per_person", "person_id", unique=True, postgresql_where=text("end_date IS NULL")),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    start_date: Mapped[date | None] = mapped_column(Date, comment="null: already employed there when registered")
    end_date: Mapped[date | None] = mapped_column(Date, comment="last day, inclusive")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())


class TitleChange(Base):
    """A person's title level (职称) from a date on, until the next change."""

    __tablename__ = "title_change"
    __table_args__ = (UniqueConstraint("person_id", "effective_date"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    title_level: Mapped[TitleLevel] = mapped_column(_enum(TitleLevel, "title_level"))
    effective_date: Mapped[date | None] = mapped_column(Date, comment="null: already held when registered")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())


metadata: MetaData = Base.metadata
audit_event = audit_table(metadata)

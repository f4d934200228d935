"""Tables of the registry service (its own database)."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime, Enum, ForeignKey, Index, MetaData, String, func, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cekit.audit import audit_table
from cekit.db import make_metadata
from registry.roles import ClientRole, Role

USERNAME_MAX_LENGTH = 100  # audit_event.object_id holds a username (lockouts): keep within its 100 characters


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = make_metadata()


def _enum(enum: type[Role] | type[ClientRole], name: str) -> Enum:
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
    org_id: Mapped[uuid.UUID | None] = mapped_column(comment="employer, institution or authority of the account")
    person_id: Mapped[uuid.UUID | None]
    region_code: Mapped[str | None] = mapped_column(String(6), comment="GB/T 2260 code an official acts for")
    industry: Mapped[str | None] = mapped_column(String(64), comment="industry an industry official acts for")
    active: Mapped[bool] = mapped_column(server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class MachineClient(Base):
    """An OAuth client that authenticates with its own secret (client-credentials grant)."""

    __tablename__ = "machine_client"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[ClientRole] = mapped_column(_enum(ClientRole, "client_role"))
    org_id: Mapped[uuid.UUID | None]
    secret_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now()
    )


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


metadata: MetaData = Base.metadata
audit_event = audit_table(metadata)

"""The OAuth 2.0 grants (RFC 6749), refresh-token rotation and revocation. They flush, never commit.

A refused grant may still have changed something that must persist (a failed login counted, a leaked
refresh-token family revoked): the route answers such refusals itself rather than letting them roll the
request's unit of work back, so only the intended writes happen before an ``OAuthError`` is raised.
"""

import logging
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from cekit.audit import record_audit
from registry.accounts import repository as accounts
from registry.auth import repository
from registry.auth.assertions import verify_assertion
from registry.auth.keys import KeyStore
from registry.auth.oauth import ClientCredentials
from registry.auth.tokens import TokenSubject, mint_access_token
from registry.clients import repository as clients
from registry.config import Settings
from registry.credentials import Passwords, new_refresh_token, refresh_token_hash, verify_client_secret
from registry.errors import InvalidClient, InvalidGrant, InvalidRequest, LoginLocked, SigningKeyUnavailable
from registry.models import USERNAME_MAX_LENGTH, Account, MachineClient, RefreshToken, audit_event

log = logging.getLogger("registry.auth")
_WRONG_LOGIN = "The username or password is wrong."


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None


@dataclass
class TokenService:
    session: AsyncSession
    settings: Settings
    keys: KeyStore
    passwords: Passwords
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    # ---- grants ----------------------------------------------------------------------------
    async def password_grant(self, username: str, password: str, credentials: ClientCredentials | None) -> IssuedTokens:
        client = await self._authenticate_client(credentials)
        if len(username) > USERNAME_MAX_LENGTH:
            raise InvalidRequest(f"The username has more than {USERNAME_MAX_LENGTH} characters.")
        username = username.lower()
        await self._refuse_if_locked(username)
        account = await accounts.get_by_username(self.session, username)
        # Unknown user, wrong password and disabled account look the same from outside, in answer and time.
        ok = await self.passwords.verify(account.password_hash if account else None, password)
        if account is None or not ok or not account.active:
            await self._count_failure(username)
            raise InvalidGrant(_WRONG_LOGIN)
        await repository.forget_failed_logins(self.session, username)
        if self.passwords.needs_rehash(account.password_hash):
            account.password_hash = await self.passwords.hash(password)
            await self.session.flush()
        client_id = client.client_id if client else self.settings.public_client_id
        return await self._issue_for_account(account, client_id, family_id=uuid.uuid4())

    async def client_credentials_grant(self, credentials: ClientCredentials | None) -> IssuedTokens:
        client = await self._authenticate_client(credentials)
        if client is None:
            raise InvalidClient("The client_credentials grant needs the client's id and secret.")
        holder = TokenSubject(
            subject=client.client_id,  # RFC 9068 §2.2: the client acts on its own behalf
            client_id=client.client_id,
            roles=(client.role.value,),
            attributes={"org_id": str(client.org_id)} if client.org_id else {},
        )
        # RFC 6749 §4.4.3: no refresh token; the client can always ask again with its secret.
        return IssuedTokens(self._access_token(holder), self.settings.access_token_lifetime_seconds, holder.scope)

    async def refresh_grant(self, presented: str, credentials: ClientCredentials | None) -> IssuedTokens:
        client = await self._authenticate_client(credentials)
        token = await repository.refresh_token_for_update(self.session, refresh_token_hash(presented))
        if token is None:
            raise InvalidGrant("The refresh token is not valid.")
        if token.revoked_at is not None:
            raise InvalidGrant("The refresh token has been revoked; log in again.")
        if token.rotated_at is not None:
            # A used token came back: either its holder or a thief has the newer one. Neither can be told
            # apart from here, so the whole family goes (RFC 9700 §4.14.2).
            await self._revoke_family(token, actor="system", reason="a rotated refresh token was used again")
            raise InvalidGrant("The refresh token was already used; every token of this login is now revoked.")
        if token.expires_at <= self.now:
            raise InvalidGrant("The refresh token has expired; log in again.")
        if token.client_id != self.settings.public_client_id and client is None:
            # RFC 6749 §6: a confidential client's refresh token needs that client's authentication.
            raise InvalidClient("This refresh token was issued to a confidential client; authenticate it.")
        if token.client_id != (client.client_id if client else self.settings.public_client_id):
            raise InvalidGrant("The refresh token was issued to another client.")
        account = await accounts.get(self.session, token.account_id)
        if account is None or not account.active:
            raise InvalidGrant("The account of this refresh token is no longer active.")
        token.rotated_at = self.now
        # Claims come from the account as it is now: a changed role or organisation shows at the next refresh.
        return await self._issue_for_account(account, token.client_id, family_id=token.family_id)

    async def revoke(self, presented: str, credentials: ClientCredentials | None) -> None:
        """RFC 7009. An unknown token, an access token or an already revoked one is not an error.

        Holding the refresh token is enough to revoke it: revoking only removes access, and a leaked token
        is exactly the one someone will want to revoke.
        """
        await self._authenticate_client(credentials)
        token = await repository.refresh_token_for_update(self.session, refresh_token_hash(presented))
        if token is not None:
            await self._revoke_family(token, actor=str(token.account_id), reason="revocation request (RFC 7009)")

    # ---- parts -----------------------------------------------------------------------------
    async def _authenticate_client(self, credentials: ClientCredentials | None) -> MachineClient | None:
        """The authenticated confidential client, or None for the public (first-party) client."""
        if credentials is None:
            return None
        if credentials.assertion is not None:
            return await self._client_by_assertion(credentials.client_id, credentials.assertion)
        if credentials.secret is None:
            if credentials.client_id == self.settings.public_client_id:
                return None
            raise InvalidClient("The client must authenticate with its secret.")
        client = await clients.get(self.session, credentials.client_id)
        ok = verify_client_secret(client.secret_hash if client else None, credentials.secret)
        if client is None or not ok or not client.active:
            raise InvalidClient("The client id or secret is wrong.")
        return client

    async def _client_by_assertion(self, client_id: str, assertion: str) -> MachineClient:
        client = await clients.get(self.session, client_id)
        if client is None or not client.active or client.jwks is None:
            raise InvalidClient("This client is unknown, inactive or has registered no keys for assertions.")
        audiences = [self.settings.token_issuer, *self.settings.token_endpoint_urls]
        verified = verify_assertion(assertion, client_id, client.jwks, audiences, self.now)
        if not await repository.remember_assertion(self.session, verified, self.now):
            raise InvalidClient("This client assertion was already used; sign a new one with a fresh jti.")
        return client

    async def _refuse_if_locked(self, username: str) -> None:
        window = timedelta(seconds=self.settings.login_failure_window_seconds)
        limit = self.settings.login_max_failures
        failures = await repository.recent_failed_logins(self.session, username, self.now - window, limit)
        if len(failures) >= limit:
            # Locked until the oldest of the last ``limit`` failures leaves the window. Attempts while
            # locked are not counted, so the lock cannot be extended by someone hammering the username.
            unlock_at = failures[-1] + window
            raise LoginLocked(max(1, math.ceil((unlock_at - self.now).total_seconds())))

    async def _count_failure(self, username: str) -> None:
        window = timedelta(seconds=self.settings.login_failure_window_seconds)
        limit = self.settings.login_max_failures
        # Every failure also sweeps the expired ones of all usernames: guessing at random usernames cannot
        # grow the table beyond one window's worth of failures.
        await repository.forget_expired_failed_logins(self.session, before=self.now - window)
        await repository.add_failed_login(self.session, username, self.now)
        failures = await repository.recent_failed_logins(self.session, username, self.now - window, limit)
        if len(failures) >= limit:
            await record_audit(
                self.session,
                audit_event,
                actor="system",
                action="login.locked",
                object_type="username",
                object_id=username,
                reason=f"{limit} failed logins within {window.total_seconds():.0f} seconds",
                details={"locked_until": (failures[-1] + window).isoformat()},
            )

    async def _revoke_family(self, token: RefreshToken, *, actor: str, reason: str) -> None:
        if await repository.revoke_family(self.session, token.family_id, self.now):
            await record_audit(
                self.session,
                audit_event,
                actor=actor,
                action="refresh_family.revoked",
                object_type="refresh_token_family",
                object_id=token.family_id,
                reason=reason,
                details={"account_id": str(token.account_id), "client_id": token.client_id},
            )

    async def _issue_for_account(self, account: Account, client_id: str, *, family_id: uuid.UUID) -> IssuedTokens:
        attributes = {
            "org_id": account.org_id,
            "region_code": account.region_code,
            "industry": account.industry,
            "person_id": account.person_id,
        }
        holder = TokenSubject(
            subject=str(account.id),
            client_id=client_id,
            roles=(account.role.value,),
            attributes={name: str(value) for name, value in attributes.items() if value is not None},
        )
        access_token = self._access_token(holder)
        # Expired tokens of the account serve no purpose (an expired one is refused either way): each login
        # and rotation keeps the account's rows to the live ones.
        await repository.delete_expired_refresh_tokens(self.session, account.id, self.now)
        refresh_token = new_refresh_token()
        await repository.add_refresh_token(
            self.session,
            RefreshToken(
                token_hash=refresh_token_hash(refresh_token),
                family_id=family_id,
                account_id=account.id,
                client_id=client_id,
                issued_at=self.now,
                expires_at=self.now + timedelta(seconds=self.settings.refresh_token_lifetime_seconds),
            ),
        )
        return IssuedTokens(access_token, self.settings.access_token_lifetime_seconds, holder.scope, refresh_token)

    def _access_token(self, holder: TokenSubject) -> str:
        key = self.keys.active()
        if key is None:
            log.error(
                "no usable signing key in %s: run `python -m registry.cli ensure-signing-key`", self.keys.directory
            )
            raise SigningKeyUnavailable()
        return mint_access_token(
            key,
            holder,
            issuer=self.settings.token_issuer,
            audience=self.settings.token_audience,
            lifetime_seconds=self.settings.access_token_lifetime_seconds,
            now=self.now,
        )

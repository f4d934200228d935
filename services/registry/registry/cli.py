"""Operator commands: ``python -m registry.cli <command>``, reading the same REGISTRY_* settings as the service.

Used by the launcher (signing key, first admin) and by operators (key rotation). The commands never migrate
the database: that is its own step (``alembic upgrade head``).
"""

import argparse
import asyncio
import json
import os
import secrets
import sys
from datetime import timedelta

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, ProgrammingError

from cekit.db import build_engine, build_sessionmaker
from cekit.problems import DomainError
from registry.accounts import repository as accounts
from registry.accounts.schemas import AccountCreate
from registry.accounts.service import create_account
from registry.auth.keys import KeyStore
from registry.clients.schemas import ClientCreate
from registry.clients.service import create_client
from registry.config import Settings
from registry.credentials import Passwords
from registry.errors import UsernameTaken
from registry.imports.cli import COMMANDS as IMPORT_COMMANDS
from registry.imports.cli import add_import_commands, run_import
from registry.persons.service import reencrypt_id_numbers
from registry.pii_keys import PiiKeysUnavailable, load_pii_cipher
from registry.roles import ClientRole, Role

ADMIN_PASSWORD_ENV = "CE_ADMIN_PASSWORD"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m registry.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    commands.add_parser("ensure-signing-key", help="create a signing key if there is none; print the active kid")
    commands.add_parser("rotate-signing-key", help="create a new signing key, which signs from now on; print its kid")
    commands.add_parser("prune-signing-keys", help="delete retired keys no longer published in the JWKS")
    bootstrap = commands.add_parser(
        "bootstrap-admin",
        help=f"create the platform admin account unless it exists (password from {ADMIN_PASSWORD_ENV}, "
        "else generated and printed once)",
    )
    bootstrap.add_argument("--username", default="admin")
    service_client = commands.add_parser(
        "create-service-client",
        help="register a machine client with the service role (another service of this platform); print "
        "its id and secret as JSON, once",
    )
    service_client.add_argument("--name", required=True, help="the calling service, e.g. hours")
    commands.add_parser(
        "reencrypt-id-numbers",
        help="after a new PII key was made active: re-encrypt every ID number made with an older key, in batches",
    )
    add_import_commands(commands)
    args = parser.parse_args(argv)
    settings = Settings()

    if args.command in IMPORT_COMMANDS:
        return run_import(args, settings)

    if args.command == "bootstrap-admin":
        return asyncio.run(bootstrap_admin(settings, args.username, os.environ.get(ADMIN_PASSWORD_ENV) or None))
    if args.command == "create-service-client":
        return asyncio.run(create_service_client(settings, args.name))
    if args.command == "reencrypt-id-numbers":
        return asyncio.run(reencrypt_all(settings))
    keys = KeyStore(settings.signing_keys_dir, publish_retired_for=timedelta(seconds=settings.key_publication_seconds))
    if args.command == "ensure-signing-key":
        print((keys.active() or keys.create()).kid)
    elif args.command == "rotate-signing-key":
        print(keys.create().kid)
    elif args.command == "prune-signing-keys":
        for kid in keys.prune():
            print(f"deleted {kid}")
    return 0


async def bootstrap_admin(settings: Settings, username: str, password: str | None) -> int:
    generated = password is None
    if password is None:
        password = secrets.token_urlsafe(18)  # 144 random bits, 24 characters
    try:
        data = AccountCreate(username=username, password=password, role=Role.ADMIN)
    except ValidationError as exc:
        return _fail(f"the admin account cannot be created: {_first_error(exc)}")
    engine = build_engine(settings.database_url, pool_size=1, application_name="registry-cli")
    try:
        async with build_sessionmaker(engine)() as session:
            existing = await accounts.get_by_username(session, username.lower())
            if existing is not None:
                if existing.role is not Role.ADMIN:
                    return _fail(f"the account {existing.username!r} exists but its role is {existing.role.value}")
                print(f"the admin account {existing.username!r} already exists; nothing to do")
                return 0
            try:
                await create_account(session, Passwords.from_settings(settings), data, actor="system:bootstrap-admin")
            except UsernameTaken:  # another bootstrap won the race
                print(f"the admin account {username.lower()!r} already exists; nothing to do")
                return 0
            except DomainError as exc:
                source = "generated" if generated else ADMIN_PASSWORD_ENV
                reasons = "; ".join(str(e["message"]) for e in exc.errors or []) or exc.detail
                return _fail(f"the admin account cannot be created with the {source} password: {reasons}")
            await session.commit()
    except ProgrammingError as exc:
        return _fail(f"the registry database is not migrated (run `alembic upgrade head` first): {exc.orig}")
    except (DBAPIError, OSError) as exc:
        return _fail(f"the registry database cannot be reached: {exc}")
    finally:
        await engine.dispose()
    if generated:
        print(f"created the admin account {username.lower()!r} with the password: {password}")
        print("the password is shown only this once: store it now")
    else:
        print(f"created the admin account {username.lower()!r} with the password from {ADMIN_PASSWORD_ENV}")
    return 0


async def create_service_client(settings: Settings, name: str) -> int:
    """A platform service's own client (role ``service``): how hours or certificates call the registry."""
    engine = build_engine(settings.database_url, pool_size=1, application_name="registry-cli")
    try:
        async with build_sessionmaker(engine)() as session:
            created = await create_client(
                session, ClientCreate(name=f"platform service: {name}", role=ClientRole.SERVICE), actor="system:cli"
            )
            await session.commit()
    except ProgrammingError as exc:
        return _fail(f"the registry database is not migrated (run `alembic upgrade head` first): {exc.orig}")
    except (DBAPIError, OSError) as exc:
        return _fail(f"the registry database cannot be reached: {exc}")
    finally:
        await engine.dispose()
    print(json.dumps({"client_id": created.client.client_id, "client_secret": created.secret}))
    return 0


async def reencrypt_all(settings: Settings) -> int:
    """PII key rotation, step two: each batch commits on its own, so the run can stop and resume anywhere."""
    try:
        cipher = load_pii_cipher(settings.pii_keys_file)
    except PiiKeysUnavailable as exc:
        return _fail(str(exc))
    engine = build_engine(settings.database_url, pool_size=1, application_name="registry-cli")
    total = 0
    try:
        while True:
            async with build_sessionmaker(engine)() as session:
                done = await reencrypt_id_numbers(session, cipher, actor="system:cli")
                await session.commit()
            if done == 0:
                break
            total += done
    except (DBAPIError, OSError) as exc:
        return _fail(f"the registry database cannot be reached: {exc}")
    finally:
        await engine.dispose()
    print(f"re-encrypted {total} ID numbers with key {cipher.active!r}")
    return 0


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Operator commands: ``python -m certificates.cli <command>``, reading the same CERTIFICATES_* settings as the
service. The launcher runs ``ensure-signing-key`` before starting the service; operators rotate with
``rotate-signing-key`` (the old key stays published, so the statements it signed keep verifying)."""

import argparse

from certificates.config import Settings
from certificates.keys import KeyStore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m certificates.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    commands.add_parser("ensure-signing-key", help="create a statement signing key if there is none; print its kid")
    commands.add_parser(
        "rotate-signing-key", help="create a new signing key, which signs from now on; print its kid (old keys stay)"
    )
    commands.add_parser("list-signing-keys", help="print every key (kid, created_at), the active one last")
    args = parser.parse_args(argv)
    keys = KeyStore(Settings().signing_keys_dir)
    if args.command == "ensure-signing-key":
        print((keys.active() or keys.create()).kid)
    elif args.command == "rotate-signing-key":
        print(keys.create().kid)
    elif args.command == "list-signing-keys":
        for key in keys.signing_keys():
            print(f"{key.kid}\t{key.created_at.isoformat()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

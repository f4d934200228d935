"""``ce-platform run``: the whole platform on this machine (``make run``)."""

import argparse

from launcher.config import Deployment
from launcher.run import run


def main() -> int:
    parser = argparse.ArgumentParser(prog="ce-platform", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "run",
        help="start PostgreSQL, migrate, start the services and the gateway; Ctrl-C stops all",
        description="Reads CE_REGION_CODE, CE_DATA_DIR, CE_BASE_PORT, CE_HOST, DATABASE_URL and CE_ADMIN_PASSWORD.",
    )
    args = parser.parse_args()
    if args.command == "run":
        return run(Deployment.from_env())
    return 2


if __name__ == "__main__":
    raise SystemExit(main())

"""Write or check the committed OpenAPI documents of the services (``make contracts`` / ``contracts-check``).

The documents are generated from the apps themselves, so the contract cannot silently drift from the code.
"""

import difflib
import importlib
import json
import sys
from pathlib import Path

from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "contracts"
SERVICES = ("registry", "hours", "bases", "certificates")


def render(service: str) -> str:
    module = importlib.import_module(f"{service}.app")
    app: FastAPI = module.create_app()
    # Building the app does not touch a database: the lifespan (engines, keys) is not run for this.
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else "check"
    if mode not in ("write", "check"):
        print("usage: contracts.py write|check", file=sys.stderr)
        return 2
    drifted = []
    for service in SERVICES:
        path = CONTRACTS / f"{service}.openapi.json"
        document = render(service)
        if mode == "write":
            CONTRACTS.mkdir(exist_ok=True)
            path.write_text(document, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
            continue
        committed = path.read_text(encoding="utf-8") if path.exists() else ""
        if committed != document:
            drifted.append(service)
            diff = difflib.unified_diff(
                committed.splitlines(),
                document.splitlines(),
                f"committed/{path.name}",
                f"code/{path.name}",
                lineterm="",
            )
            print("\n".join(list(diff)[:60]))
    if drifted:
        print(f"\nOpenAPI drift in: {', '.join(drifted)}. Run `make contracts` and commit contracts/.", file=sys.stderr)
        return 1
    if mode == "check":
        print("contracts match the code")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

"""``python -m gateway``: the gateway under uvicorn with the options it is benchmarked with.

The same as ``uvicorn --factory gateway.app:create_app --loop uvloop --http gateway.server:HttpProtocol
--no-access-log`` plus host and port; uvicorn's proxy headers are on only for proxies named with
``--forwarded-allow-ips`` (the gateway is the edge: a client's own X-Forwarded-For proves nothing).
"""

import argparse
import os
from collections.abc import Sequence

import uvicorn

from gateway.server import HttpProtocol


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gateway", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("GATEWAY_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GATEWAY_PORT", "8000")))
    parser.add_argument(
        "--forwarded-allow-ips",
        default=os.environ.get("FORWARDED_ALLOW_IPS"),
        help="addresses of proxies in front of the gateway (an ingress) whose X-Forwarded-For is believed",
    )
    args = parser.parse_args(argv)
    uvicorn.run(
        "gateway.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        loop="uvloop",
        http=HttpProtocol,
        access_log=False,
        # The gateway is the edge: a client's own X-Forwarded-For is believed only from a named proxy.
        proxy_headers=bool(args.forwarded_allow_ips),
        forwarded_allow_ips=args.forwarded_allow_ips,
    )


if __name__ == "__main__":
    main()

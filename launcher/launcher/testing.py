"""Starting whole deployments from tests and benchmarks, as a newcomer does: ``python -m launcher run`` in a
subprocess, on its own data directory and ports, with an embedded PostgreSQL unless told otherwise."""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
PORT_OFFSETS = (0, 1, 2, 3, 4, 10)  # gateway, the four services, the embedded PostgreSQL


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_base_port(start: int = 20000, taken: frozenset[int] = frozenset()) -> int:
    """A base port whose gateway, service and PostgreSQL ports are all free (``taken``: bases already handed
    out to deployments that have not bound their ports yet)."""
    for base in range(start, 60000, 100):
        if base not in taken and all(port_is_free(base + offset) for offset in PORT_OFFSETS):
            return base
    raise RuntimeError("no free port range")


@dataclass
class Deployment:
    process: subprocess.Popen[bytes]
    region: str
    gateway: str
    base_port: int
    data_dir: Path
    output: Path
    admin_password: str

    def admin_token(self) -> str:
        answer = httpx.post(
            self.gateway + "/v1/auth/token",
            data={"grant_type": "password", "username": "admin", "password": self.admin_password},
            timeout=10,
        )
        answer.raise_for_status()
        token: str = answer.json()["access_token"]
        return token

    def stop(self, timeout: float = 60) -> int | None:
        """Ctrl-C, as a person at the terminal would; kill only if it does not stop in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start(
    data_dir: Path,
    *,
    region: str = "130000",
    admin_password: str = "e2e-Admin-password-1",  # noqa: S107 - a throwaway deployment of a test
    base_port: int | None = None,
    database_url: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> Deployment:
    base = base_port or free_base_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    output = data_dir.parent / f"launcher-{region}-{base}.out"
    env = {
        **os.environ,
        "CE_DATA_DIR": str(data_dir),
        "CE_BASE_PORT": str(base),
        "CE_REGION_CODE": region,
        "CE_ADMIN_PASSWORD": admin_password,
        **(extra_env or {}),
    }
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "launcher", "run"], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
        )
    return Deployment(process, region, f"http://127.0.0.1:{base}", base, data_dir, output, admin_password)


class NotReady(RuntimeError):
    pass


def wait_ready(deployment: Deployment, timeout: float = 180) -> None:
    """Until the gateway's /readyz (every service and its database) answers 200; the launcher's output if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if deployment.process.poll() is not None:
            raise NotReady(f"the launcher exited early:\n{deployment.output.read_text()}")
        try:
            if httpx.get(deployment.gateway + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise NotReady(f"not ready in {timeout:.0f}s:\n{deployment.output.read_text()}")

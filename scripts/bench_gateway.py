"""How much of a service's throughput survives the gateway hop (``make bench-gateway``).

Starts, as separate uvicorn processes (one worker each, uvloop + httptools, uvicorn's access log off), a
bare FastAPI JSON endpoint standing in for a service and the gateway in front of it (with its own
one-write-per-response protocol and its JSON access log on, as in production), with a real access
token from a ``TokenMinter`` whose JWKS the upstream serves, so the gateway's token check, rate
limiter, request ids, metrics and access log all run. Then it loads ``/v1/compliance/bench`` directly and through the
gateway with the same concurrency and duration, alternating the two in rounds (the machine is shared,
so alternation spreads background noise over both), and prints requests/s, p50/p99 latency and the
ratio gateway/direct, with each process's CPU time per request and how much CPU other processes on the
machine took meanwhile (they lower the ratio). ``--enforce`` exits non-zero when the ratio is below
``--threshold`` (0.55).

Load comes from ``wrk`` when it is on PATH, else from a small multi-process aiohttp client (which
takes more of the CPU it measures, so its ratios are pessimistic).
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
BENCH_PATH = "/v1/compliance/bench"
JWKS_ENV = "BENCH_JWKS_JSON"
QUIET_CORES = 0.2  # a round counts as undisturbed when other processes used less CPU than this


def create_upstream_app() -> Any:
    """The stand-in service: one small JSON answer, plus the bench minter's JWKS for the gateway."""
    from fastapi import FastAPI

    jwks: dict[str, Any] = json.loads(os.environ.get(JWKS_ENV, '{"keys": []}'))
    app = FastAPI()

    @app.get(BENCH_PATH)
    async def bench() -> dict[str, Any]:
        return {"person_id": "bench", "year": 2026, "compliant": True}

    @app.get("/jwks.json")
    async def keys() -> dict[str, Any]:
        return jwks

    return app


@dataclass
class Result:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    # CPU µs per request of the upstream and the gateway process; "other": cores used by everything else.
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        text = f"{self.rps:8.0f} req/s  p50 {self.p50_ms:6.2f} ms  p99 {self.p99_ms:7.2f} ms  errors {self.errors}"
        if self.cpu:
            gateway = f" gateway {self.cpu['gateway']:4.0f}" if self.cpu.get("gateway") else " " * 13
            text += (
                f" | CPU µs/req: upstream {self.cpu['upstream']:4.0f}{gateway} | others {self.cpu['other']:.2f} cores"
            )
        return text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_uvicorn(
    target: str, port: int, env: dict[str, str], *, http: str = "httptools", quiet: bool = False
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        http,
        "--no-access-log",
        "--log-level",
        "warning",
        "--app-dir",
        str(ROOT),
    ]
    stderr = subprocess.DEVNULL if quiet else None
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)


def wait_until_ok(url: str, headers: dict[str, str] | None = None, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, headers=headers, timeout=2)
            if response.status_code == 200:
                return
            last = response.status_code
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer 200 within {timeout:.0f} s (last: {last})")


# ---------------------------------------------------------------------------------------------- wrk
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(url: str, token: str, connections: int, seconds: float) -> Result:
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "-H",
        f"Authorization: Bearer {token}",
        url,
    ]
    return parse_wrk(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def parse_wrk(out: str) -> Result:
    """A ``wrk --latency`` report: requests, duration, non-2xx and socket errors, p50 and p99."""
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    if total is None:
        raise SystemExit("cannot read wrk's output:\n" + out)
    errors = 0
    if non_2xx := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(non_2xx.group(1))
    if socket_errors := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(n) for n in socket_errors.groups())
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    return Result(
        requests=int(total.group(1)),
        seconds=_ms(total.group(2) + total.group(3)) / 1000,
        errors=errors,
        p50_ms=_ms(p50.group(1)) if p50 else float("nan"),
        p99_ms=_ms(p99.group(1)) if p99 else float("nan"),
    )


def result_line(result: Result) -> str:
    return (
        f"{result.rps:9,.0f} req/s  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:7.2f} ms  "
        f"errors {result.errors}  ({result.requests:,} requests in {result.seconds:.1f} s)"
    )


def aiohttp_load(request: Callable[[Any, int], Any], connections: int, seconds: float) -> Result:
    """The Python stand-in for wrk: ``connections`` loops sending ``request(session, n)`` (an aiohttp request
    context, ``n`` counting up) for ``seconds``; a non-200 answer or a failed request is an error."""
    import aiohttp

    async def main() -> Result:
        latencies: list[float] = []
        errors = 0
        counter = 0
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as session:
            deadline = time.perf_counter() + seconds

            async def loop() -> None:
                nonlocal errors, counter
                while time.perf_counter() < deadline:
                    counter += 1
                    started = time.perf_counter()
                    try:
                        async with request(session, counter) as response:
                            await response.read()
                            errors += response.status != 200
                    except aiohttp.ClientError:
                        errors += 1
                    latencies.append((time.perf_counter() - started) * 1000)

            started = time.perf_counter()
            await asyncio.gather(*(loop() for _ in range(connections)))
            elapsed = time.perf_counter() - started
        latencies.sort()

        def pct(q: float) -> float:
            return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")

        return Result(len(latencies), elapsed, errors, pct(0.5), pct(0.99))

    return asyncio.run(main())


# ------------------------------------------------------------------------------ Python fallback
def _python_worker(args: tuple[str, str, int, float, int]) -> tuple[int, int, list[float]]:
    url, token, concurrency, seconds, max_requests = args

    async def main() -> tuple[int, int, list[float]]:
        import aiohttp

        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + seconds
        done = 0
        headers = {"Authorization": f"Bearer {token}"}
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def loop() -> None:
                nonlocal errors, done
                while time.perf_counter() < deadline and done < max_requests:
                    done += 1
                    started = time.perf_counter()
                    try:
                        async with session.get(url, headers=headers) as response:
                            await response.read()
                            if response.status != 200:
                                errors += 1
                    except aiohttp.ClientError:
                        errors += 1
                    latencies.append((time.perf_counter() - started) * 1000)

            await asyncio.gather(*(loop() for _ in range(concurrency)))
        return len(latencies), errors, latencies

    return asyncio.run(main())


def run_python(url: str, token: str, connections: int, seconds: float, max_requests: int) -> Result:
    processes = max(1, min(connections, (os.cpu_count() or 2) // 2))
    per_process = max(1, connections // processes)
    started = time.perf_counter()
    with multiprocessing.Pool(processes) as pool:
        parts = pool.map(_python_worker, [(url, token, per_process, seconds, max_requests // processes)] * processes)
    elapsed = time.perf_counter() - started
    latencies = sorted(lat for _, _, lats in parts for lat in lats)
    count = sum(n for n, _, _ in parts)

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")

    return Result(count, min(elapsed, seconds) if count else elapsed, sum(e for _, e, _ in parts), pct(0.5), pct(0.99))


# ------------------------------------------------------------------------------------------- main
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement (default 5)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per target (default 2)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating direct/gateway rounds (default 5)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="cap per measurement (Python client)")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--redis", metavar="URL", help="share rate limits through this Redis (default: in memory)")
    parser.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the gateway's JSON access log, on as in production (lines are written, to /dev/null)",
    )
    parser.add_argument(
        "--gateway-http",
        default="gateway.server:HttpProtocol",
        help="uvicorn --http for the gateway (default: its one-write-per-response protocol; 'httptools' for stock)",
    )
    parser.add_argument("--threshold", type=float, default=0.55)
    parser.add_argument("--enforce", action="store_true", help="exit 1 when the ratio is below the threshold")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from cekit.testing import TokenMinter

    loadgen = args.loadgen
    if loadgen == "auto":
        loadgen = "wrk" if shutil.which("wrk") else "python"
    if loadgen == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not on PATH (apt-get install wrk), use --loadgen python")

    minter = TokenMinter()
    token = minter.mint("bench-user", client_id="bench-client", lifetime=3600)
    upstream_port, gateway_port = free_port(), free_port()
    upstream = f"http://127.0.0.1:{upstream_port}"
    base_env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "GATEWAY_REDIS_URL")}
    upstream_env = {**base_env, JWKS_ENV: json.dumps(minter.jwks)}
    gateway_env = {
        **base_env,
        **{f"GATEWAY_{name.upper()}_URL": upstream for name in ("registry", "hours", "bases", "certificates")},
        "GATEWAY_JWKS_URL": upstream + "/jwks.json",
        "GATEWAY_TOKEN_ISSUER": minter.issuer,
        "GATEWAY_TOKEN_AUDIENCE": minter.audience,
        # The limiter runs on every request, but one bench client must not be throttled by it.
        "GATEWAY_RATE_LIMIT_PER_MINUTE": str(10**9),
        "GATEWAY_RATE_LIMIT_BURST": str(10**9),
        "GATEWAY_ACCESS_LOG": "true" if args.access_log else "false",
        "GATEWAY_LOG_LEVEL": "INFO" if args.access_log else "WARNING",
    }
    if args.redis:
        gateway_env["GATEWAY_REDIS_URL"] = args.redis

    processes = [
        start_uvicorn("scripts.bench_gateway:create_upstream_app", upstream_port, upstream_env),
        # With --access-log the lines are written (their cost is what is measured) but not shown.
        start_uvicorn(
            "gateway.app:create_app", gateway_port, gateway_env, http=args.gateway_http, quiet=args.access_log
        ),
    ]
    try:
        auth = {"Authorization": f"Bearer {token}"}
        wait_until_ok(upstream + BENCH_PATH)
        wait_until_ok(f"http://127.0.0.1:{gateway_port}{BENCH_PATH}", auth)
        targets = {"direct": upstream + BENCH_PATH, "gateway": f"http://127.0.0.1:{gateway_port}{BENCH_PATH}"}
        watched = {"upstream": processes[0].pid, "gateway": processes[1].pid}

        def measure(url: str, seconds: float) -> Result:
            before = _cpu_snapshot(watched)
            if loadgen == "wrk":
                result = run_wrk(url, token, args.connections, seconds)
            else:
                result = run_python(url, token, args.connections, seconds, args.max_requests)
            result.cpu = _cpu_used(before, _cpu_snapshot(watched), result)
            return result

        print(
            f"load: {loadgen}, {args.connections} connections, {args.duration:g} s x {args.rounds} rounds per "
            f"target, {os.cpu_count()} CPUs; gateway: --http {args.gateway_http}, "
            f"access log {'on' if args.access_log else 'off'}, rate limits {'in Redis' if args.redis else 'in memory'}"
        )
        for url in targets.values():
            measure(url, args.warmup)
        results: dict[str, list[Result]] = {"direct": [], "gateway": []}
        for round_no in range(1, args.rounds + 1):
            for name, url in targets.items():
                result = measure(url, args.duration)
                if name == "direct":
                    result.cpu.pop("gateway", None)  # idle meanwhile
                results[name].append(result)
                print(f"  round {round_no} {name:8s} {result.line()}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    summary = {name: _median(rs) for name, rs in results.items()}
    # Each round measures direct and gateway back to back; pairing them keeps slow drifts in the machine's
    # load out of the ratio. Other processes hurt the gateway path (three busy processes on the CPUs)
    # far more than the direct one (two), so rounds in which they took CPU are set aside when there are
    # quiet ones, and the median of what remains keeps one disturbed round from deciding.
    pairs = list(zip(results["direct"], results["gateway"], strict=True))
    ratios = [g.rps / d.rps if d.rps else 0.0 for d, g in pairs]
    quiet = [r for r, (d, g) in zip(ratios, pairs, strict=True) if max(d.cpu["other"], g.cpu["other"]) < QUIET_CORES]
    ratio = statistics.median(quiet or ratios)
    print("median of rounds:")
    for name, result in summary.items():
        print(f"  {name:8s} {result.line()}")
    print(f"ratio gateway/direct per round: {', '.join(f'{r:.2f}' for r in ratios)}")
    if quiet:
        print(
            f"ratio gateway/direct: {ratio:.2f} (median of the {len(quiet)} rounds in which other processes "
            f"used < {QUIET_CORES} cores; threshold {args.threshold:.2f})"
        )
    else:
        print(f"ratio gateway/direct: {ratio:.2f} (median of all rounds; threshold {args.threshold:.2f})")
        print(
            "note: other processes took CPU in every round, which lowers the gateway's share; "
            "run again on a quieter machine or with more --rounds"
        )
    errors = sum(r.errors for rs in results.values() for r in rs)
    if errors:
        print(f"warning: {errors} failed or non-2xx responses; the numbers above are not trustworthy")
    if args.enforce and (ratio < args.threshold or errors):
        return 1
    return 0


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu(pid: int) -> float:
    """User + system seconds of a process, from /proc (Linux; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _system_busy() -> float:
    """Seconds all CPUs spent on anything but idle and I/O wait, from /proc/stat."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(v) for v in first]
    return (sum(ticks) - ticks[3] - ticks[4]) / _TICK


def _cpu_snapshot(watched: dict[str, int]) -> dict[str, float]:
    snapshot = {name: _process_cpu(pid) for name, pid in watched.items()}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the load generator, once it has exited
    snapshot["loadgen"] = children.ru_utime + children.ru_stime
    snapshot["busy"] = _system_busy()
    snapshot["wall"] = time.monotonic()
    return snapshot


def _cpu_used(before: dict[str, float], after: dict[str, float], result: "Result") -> dict[str, float]:
    """CPU per request of our processes (µs) and what everything else on the machine used (cores)."""
    wall = after["wall"] - before["wall"]
    ours = sum(after[k] - before[k] for k in ("upstream", "gateway", "loadgen"))
    used = {
        name: (after[name] - before[name]) / result.requests * 1e6 if result.requests else 0.0
        for name in ("upstream", "gateway")
    }
    used["other"] = max(0.0, (after["busy"] - before["busy"] - ours) / wall) if wall else 0.0
    return used


def _median(results: list[Result]) -> Result:
    return Result(
        requests=round(statistics.median(r.rps for r in results)),
        seconds=1.0,
        errors=sum(r.errors for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        cpu={key: statistics.median(r.cpu.get(key, 0.0) for r in results) for key in ("upstream", "gateway", "other")},
    )


if __name__ == "__main__":
    sys.exit(main())

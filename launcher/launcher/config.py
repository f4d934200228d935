"""What one deployment is: region, data directory, ports and database server, from the environment."""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

# Province-level divisions (GB/T 2260), for the names a deployment prints.
PROVINCE_NAMES = {
    "110000": "北京市",
    "120000": "天津市",
    "130000": "河北省",
    "140000": "山西省",
    "150000": "内蒙古自治区",
    "210000": "辽宁省",
    "220000": "吉林省",
    "230000": "黑龙江省",
    "310000": "上海市",
    "320000": "江苏省",
    "330000": "浙江省",
    "340000": "安徽省",
    "350000": "福建省",
    "360000": "江西省",
    "370000": "山东省",
    "410000": "河南省",
    "420000": "湖北省",
    "430000": "湖南省",
    "440000": "广东省",
    "450000": "广西壮族自治区",
    "460000": "海南省",
    "500000": "重庆市",
    "510000": "四川省",
    "520000": "贵州省",
    "530000": "云南省",
    "540000": "西藏自治区",
    "610000": "陕西省",
    "620000": "甘肃省",
    "630000": "青海省",
    "640000": "宁夏回族自治区",
    "650000": "新疆维吾尔自治区",
    "710000": "台湾省",
    "810000": "香港特别行政区",
    "820000": "澳门特别行政区",
}
SERVICES = ("registry", "hours", "bases", "certificates")
# Service -> the peers its /readyz requires (ARCHITECTURE.md, "calls").
PEERS: dict[str, tuple[str, ...]] = {
    "registry": (),
    "hours": ("registry",),
    "bases": ("registry", "hours"),
    "certificates": ("registry", "hours"),
}
REPO_ROOT = Path(__file__).resolve().parents[2]
POSTGRES_PORT_OFFSET = 10


def parse_workers(text: str) -> dict[str, int]:
    """``hours=2,certificates=2`` -> {"hours": 2, "certificates": 2}; every service named, 1 to 16 each."""
    workers: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, count = part.partition("=")
        if name.strip() not in SERVICES or not count.strip().isdigit() or not 1 <= int(count) <= 16:
            raise SystemExit(f"CE_WORKERS: {part!r} is not <service>=<1..16> with a service of {', '.join(SERVICES)}")
        workers[name.strip()] = int(count)
    return workers


@dataclass(frozen=True)
class Deployment:
    region_code: str
    data_dir: Path
    base_port: int
    host: str
    database_url: str | None
    admin_password: str | None
    # uvicorn worker processes per service (``CE_WORKERS=hours=2``); one unless set. A service's background
    # jobs (idempotency pruning, re-verification) run in each of its workers, and all of them are safe to run
    # concurrently; the k8s manifests scale with replicas instead.
    workers: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Deployment":
        env = dict(os.environ if env is None else env)
        region = env.get("CE_REGION_CODE", "130000")
        if not (region.isdigit() and len(region) == 6):
            raise SystemExit(f"CE_REGION_CODE must be a six-digit GB/T 2260 code, not {region!r}")
        try:
            base_port = int(env.get("CE_BASE_PORT", "8000"))
        except ValueError:
            raise SystemExit("CE_BASE_PORT must be a port number") from None
        if not 1024 <= base_port <= 65535 - POSTGRES_PORT_OFFSET:
            raise SystemExit(f"CE_BASE_PORT must be between 1024 and {65535 - POSTGRES_PORT_OFFSET}")
        data_dir = Path(env.get("CE_DATA_DIR", ".data"))
        if not data_dir.is_absolute():
            data_dir = Path.cwd() / data_dir
        return cls(
            region_code=region,
            data_dir=data_dir,
            base_port=base_port,
            host=env.get("CE_HOST", "127.0.0.1"),
            database_url=env.get("DATABASE_URL") or None,
            admin_password=env.get("CE_ADMIN_PASSWORD") or None,
            workers=parse_workers(env.get("CE_WORKERS", "")),
        )

    def port(self, service: str) -> int:
        """The gateway listens on the base port and the services on the next ones."""
        return self.base_port if service == "gateway" else self.base_port + 1 + SERVICES.index(service)

    @property
    def postgres_port(self) -> int:
        return self.base_port + POSTGRES_PORT_OFFSET

    def url(self, service: str) -> str:
        return f"http://{self.host}:{self.port(service)}"

    def database_name(self, service: str) -> str:
        # The region in the name lets two deployments share one server given by DATABASE_URL.
        return f"ce_{service}_{self.region_code}"

    @property
    def issuer(self) -> str:
        return f"urn:ce:{self.region_code}:registry"

    @property
    def audience(self) -> str:
        return f"urn:ce:{self.region_code}"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys" / "registry"

    @property
    def certificates_keys_dir(self) -> Path:
        """The keys that sign statements and status lists (certificates.keys): kept for years, unlike token keys."""
        return self.data_dir / "keys" / "certificates"

    @property
    def certificates_issuer(self) -> str:
        return f"urn:ce:{self.region_code}:certificates"

    @property
    def certificates_issuer_name(self) -> str:
        """The authority that keeps the province's certificates (its HR department, 000 art. 14), as printed."""
        province = PROVINCE_NAMES.get(self.region_code[:2] + "0000")
        return f"{province}人力资源和社会保障厅" if province else "Continuing-education certificates"

    @property
    def pii_keys_file(self) -> Path:
        return self.data_dir / "keys" / "pii.json"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    def service_env(self, server_url: str) -> dict[str, str]:
        """Environment for every process: each reads the variables with its own prefix."""
        env: dict[str, str] = {}
        base = server_url.replace("postgresql+asyncpg://", "postgresql://", 1).rsplit("/", 1)[0]
        base = base.replace("postgresql://", "postgresql+asyncpg://", 1)
        for service in SERVICES:
            prefix = service.upper() + "_"
            env[prefix + "DATABASE_URL"] = f"{base}/{self.database_name(service)}"
            env[prefix + "REGION_CODE"] = self.region_code
            env[prefix + "JWKS_URL"] = self.url("registry") + "/.well-known/jwks.json"
            env[prefix + "TOKEN_ISSUER"] = self.issuer
            env[prefix + "TOKEN_AUDIENCE"] = self.audience
            env[prefix + "PEERS"] = json.dumps({peer: self.url(peer) for peer in PEERS[service]})
        env["REGISTRY_SIGNING_KEYS_DIR"] = str(self.keys_dir)
        env["REGISTRY_PII_KEYS_FILE"] = str(self.pii_keys_file)
        # Client assertions (RFC 7523) may name our public token endpoint as their audience.
        env["REGISTRY_TOKEN_ENDPOINT_URLS"] = json.dumps([self.url("gateway") + "/v1/auth/token"])
        env["CERTIFICATES_SIGNING_KEYS_DIR"] = str(self.certificates_keys_dir)
        env["CERTIFICATES_ISSUER_ID"] = self.certificates_issuer
        env["CERTIFICATES_ISSUER_NAME"] = self.certificates_issuer_name
        # Status-list and verification URLs inside statements point at the public gateway.
        env["CERTIFICATES_PUBLIC_BASE_URL"] = self.url("gateway")
        for service in SERVICES:
            env[f"GATEWAY_{service.upper()}_URL"] = self.url(service)
        env["GATEWAY_JWKS_URL"] = env["REGISTRY_JWKS_URL"]
        env["GATEWAY_TOKEN_ISSUER"] = self.issuer
        env["GATEWAY_TOKEN_AUDIENCE"] = self.audience
        env["GATEWAY_REGION_CODE"] = self.region_code
        return env

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from cekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/ce_registry"

    # The keys that encrypt national ID numbers at rest and key their blind index (registry.pii_keys):
    # {"active": "k1", "keys": {"k1": "<base64 32 bytes>"}, "index_key": "<base64 32 bytes>"}. Read at start-up;
    # without it the service refuses to start (building the app, e.g. for the OpenAPI document, does not read it).
    pii_keys_file: Path | None = None

    # Ed25519 private keys as <kid>.pem (mode 0600); the newest one signs.
    signing_keys_dir: Path = Path(".data/keys/registry")
    access_token_lifetime_seconds: int = Field(default=900, ge=60, le=86_400)
    # Sliding: each rotation issues a token valid this long again.
    refresh_token_lifetime_seconds: int = Field(default=14 * 86_400, ge=300)
    # The clock skew every verifier tolerates (cekit's TokenVerifier uses 30 s); a retired key stays in the
    # JWKS for lifetime + leeway, so every token it signed can still be verified until it expires.
    token_leeway_seconds: int = Field(default=30, ge=0, le=300)
    # Where clients reach our token endpoint: accepted, besides the issuer id, as the audience of client
    # assertions (RFC 7523 §3). The launcher sets the gateway's URL.
    token_endpoint_urls: list[str] = Field(default_factory=lambda: ["http://127.0.0.1:8000/v1/auth/token"])
    # The OAuth client id of first-party apps (web portal, mobile app) that cannot keep a secret.
    public_client_id: str = "ce-public"

    login_max_failures: int = Field(default=5, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=1)

    # Argon2id parameters (argon2-cffi defaults = RFC 9106 "low memory" profile). Hashes made with other
    # parameters are upgraded at the next successful login.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost_kib: int = Field(default=65_536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)

    @property
    def key_publication_seconds(self) -> int:
        """How long a retired signing key stays in the JWKS."""
        return self.access_token_lifetime_seconds + self.token_leeway_seconds

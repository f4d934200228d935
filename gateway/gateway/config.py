"""Gateway settings from the environment (``GATEWAY_*``; the Redis URL also from plain ``REDIS_URL``)."""

import json
from typing import Annotated, Any

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Mirrors ``cekit.settings.ServiceSettings`` where they overlap; the gateway owns no database."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    registry_url: str = "http://127.0.0.1:8001"
    hours_url: str = "http://127.0.0.1:8002"
    bases_url: str = "http://127.0.0.1:8003"
    certificates_url: str = "http://127.0.0.1:8004"

    # Empty means the registry's own JWKS (registry_url + /.well-known/jwks.json).
    jwks_url: str = ""
    token_issuer: str = "urn:ce:130000:registry"
    token_audience: str = "urn:ce:130000"
    # A token naming an unknown kid refetches the JWKS at most this often (stops kid-spraying from
    # turning the gateway into a load generator against the registry).
    jwks_min_refetch_seconds: float = Field(default=10.0, ge=0)
    token_cache_size: int = Field(default=10_000, ge=1)
    region_code: str = "130000"

    # Shared limits across replicas when set; in-memory (per replica) otherwise.
    redis_url: str | None = Field(default=None, validation_alias=AliasChoices("GATEWAY_REDIS_URL", "REDIS_URL"))
    rate_limit_per_minute: int = Field(default=600, ge=0)  # 0 turns rate limiting off
    rate_limit_burst: int = Field(default=100, ge=1)

    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=0)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # The gateway answers 504 itself before a client's usual 30 s timeout gives up on it.
    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
    # Connection refused fails at once; this bounds only a peer that does not answer the SYN.
    connect_timeout_seconds: float = Field(default=1.0, gt=0)
    # Keep-alive connections per upstream; uvicorn closes idle ones after 5 s, so we drop ours first.
    upstream_pool_size: int = Field(default=256, ge=1)
    upstream_keepalive_seconds: float = Field(default=4.0, gt=0)
    openapi_cache_seconds: float = Field(default=60.0, ge=0)
    readiness_timeout_seconds: float = Field(default=2.0, gt=0)

    log_level: str = "INFO"
    log_json: bool = True
    # One JSON line per proxied request (batched; see accesslog.py). Services log each request too.
    access_log: bool = True

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        # Accept a JSON list or the friendlier comma-separated form in an env var.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _default_jwks_url(self) -> "Settings":
        if not self.jwks_url:
            self.jwks_url = self.registry_url.rstrip("/") + "/.well-known/jwks.json"
        return self

    def service_urls(self) -> dict[str, str]:
        return {
            "registry": self.registry_url.rstrip("/"),
            "hours": self.hours_url.rstrip("/"),
            "bases": self.bases_url.rstrip("/"),
            "certificates": self.certificates_url.rstrip("/"),
        }

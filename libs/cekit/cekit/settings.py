"""Settings common to every service; each service subclasses with its own env prefix."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Base settings. A subclass sets ``model_config = SettingsConfigDict(env_prefix="HOURS_")``."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    # Enough for the requests one process serves at once: a request over the pool waits for a connection,
    # and one above pool_size + overflow is opened and closed again (a fork on the server each time).
    db_pool_size: int = 20
    # ``cekit.db.Reader``'s own pool, for the hottest single-statement reads.
    db_read_pool_size: int = 10
    log_level: str = "INFO"
    log_json: bool = True
    region_code: str = "130000"
    # Where the registry publishes its public keys; every service verifies tokens itself.
    jwks_url: str = "http://127.0.0.1:8001/.well-known/jwks.json"
    token_issuer: str = "urn:ce:130000:registry"
    token_audience: str = "urn:ce:130000"
    # Peers that must answer /healthz for /readyz to pass, as name=url pairs.
    peers: dict[str, str] = Field(default_factory=dict)
    http_timeout_seconds: float = 5.0
    # Idempotency-Key answers are kept this long, then pruned by the service itself every prune interval.
    idempotency_retention_hours: float = Field(default=24.0, gt=0)
    idempotency_prune_every_seconds: float = Field(default=600.0, gt=0)

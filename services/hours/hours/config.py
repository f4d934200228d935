from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from cekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HOURS_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/ce_hours"
    peers: dict[str, str] = Field(default_factory=lambda: {"registry": "http://127.0.0.1:8001"})
    # The registry's person lookup, with this service's own machine client (role ``service``).
    registry_url: str = "http://127.0.0.1:8001"
    registry_client_id: str | None = None
    registry_client_secret: SecretStr | None = None
    # A directory of the deployment's own policy packs, beside the shipped ones (``hours.policy.loader``).
    extra_packs_dir: Path | None = None

    @model_validator(mode="after")
    def _registry_from_peers(self) -> "Settings":
        # A deployment that names the registry among the peers (HOURS_PEERS) need not repeat its URL.
        if "registry_url" not in self.model_fields_set and "registry" in self.peers:
            self.registry_url = self.peers["registry"]
        return self

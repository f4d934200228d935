from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from cekit.settings import ServiceSettings

# W3C Bitstring Status List v1.0 §6.1: at least 16 KB (131,072 entries) so that one set bit says little about
# whose credential it is (herd privacy).
MIN_STATUS_LIST_SIZE = 131_072


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CERTIFICATES_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/ce_certificates"
    peers: dict[str, str] = Field(
        default_factory=lambda: {"registry": "http://127.0.0.1:8001", "hours": "http://127.0.0.1:8002"}
    )
    # The registry (service token, the person's identity) and the hours ledger (certified records, compliance),
    # called with this service's own machine client (role ``service``). Taken from ``peers`` unless set.
    registry_url: str = "http://127.0.0.1:8001"
    hours_url: str = "http://127.0.0.1:8002"
    registry_client_id: str | None = None
    registry_client_secret: SecretStr | None = None

    # Ed25519 private keys as <kid>.pem (mode 0600) with a <kid>.json sidecar; the newest one signs statements.
    signing_keys_dir: Path = Path(".data/keys/certificates")
    # Who signs our statements (the credential's ``issuer``): ``urn:ce:<region>:certificates`` unless set.
    issuer_id: str = ""
    issuer_name: str = "Continuing-education certificates"
    # Where the public reaches us (the gateway): status-list URLs and verification URLs are built on it.
    public_base_url: str = "http://127.0.0.1:8000"
    # A statement of year Y is valid until the end of year Y + N (China time): long enough for the title
    # evaluations and appointments it supports (000 art. 15), short enough that stale ones are renewed.
    statement_validity_years: int = Field(default=3, ge=1, le=10)
    status_list_size: int = Field(default=MIN_STATUS_LIST_SIZE, ge=MIN_STATUS_LIST_SIZE, le=8 * MIN_STATUS_LIST_SIZE)
    # How long verifiers may cache a status list (Cache-Control max-age and the list's ``ttl``): the most a
    # revocation takes to reach a partner that cached the list.
    status_list_max_age_seconds: int = Field(default=300, ge=0, le=86_400)

    # Mutual recognition with partner provinces (000 art. 22; ``certificates.partners``, ``recognitions``, ``jjj``).
    # How often the recognised credentials are verified again (a partner's revocation reverses their hours);
    # 0 turns the background run off (``POST /v1/recognitions:reverify`` still runs it).
    reverify_every_seconds: int = Field(default=3600, ge=0, le=7 * 86_400)
    # How long a partner's keys / status lists may be used past their cache lifetime while the partner is out of
    # reach; beyond that its credentials are *indeterminate*. Keys change rarely (a day); a stale status list may
    # hide a revocation, so it is trusted for less (an hour).
    partner_keys_max_stale_seconds: int = Field(default=86_400, ge=0, le=30 * 86_400)
    partner_status_max_stale_seconds: int = Field(default=3600, ge=0, le=86_400)
    partner_http_timeout_seconds: float = Field(default=3.0, gt=0, le=60)

    @model_validator(mode="after")
    def _derived(self) -> "Settings":
        if "registry_url" not in self.model_fields_set and "registry" in self.peers:
            self.registry_url = self.peers["registry"]
        if "hours_url" not in self.model_fields_set and "hours" in self.peers:
            self.hours_url = self.peers["hours"]
        if not self.issuer_id:
            self.issuer_id = f"urn:ce:{self.region_code}:certificates"
        self.public_base_url = self.public_base_url.rstrip("/")
        return self

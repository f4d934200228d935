from pydantic import Field
from pydantic_settings import SettingsConfigDict

from cekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CERTIFICATES_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/ce_certificates"
    peers: dict[str, str] = Field(
        default_factory=lambda: {"registry": "http://127.0.0.1:8001", "hours": "http://127.0.0.1:8002"}
    )

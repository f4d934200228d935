from pydantic import Field
from pydantic_settings import SettingsConfigDict

from cekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HOURS_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/ce_hours"
    peers: dict[str, str] = Field(default_factory=lambda: {"registry": "http://127.0.0.1:8001"})

"""The certificates service as the launcher configures it: its issuer id, public URLs, key directory and peers
follow the deployment, so that two provinces on one machine issue under their own names (000 art. 22)."""

import json
from pathlib import Path

import pytest

from certificates.config import MIN_STATUS_LIST_SIZE, Settings
from launcher.config import Deployment


def test_the_launcher_s_environment_configures_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    beijing = Deployment.from_env({"CE_REGION_CODE": "110000", "CE_BASE_PORT": "9000", "CE_DATA_DIR": "/srv/bj"})
    env = beijing.service_env("postgresql://postgres@127.0.0.1:5432/postgres")
    for name, value in env.items():
        if name.startswith("CERTIFICATES_"):
            monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.issuer_id == "urn:ce:110000:certificates"
    assert settings.public_base_url == "http://127.0.0.1:9000"
    assert settings.signing_keys_dir == Path("/srv/bj/keys/certificates")
    assert settings.hours_url == "http://127.0.0.1:9002"
    assert settings.registry_url == "http://127.0.0.1:9001"
    assert settings.database_url.endswith("/ce_certificates_110000")
    assert json.loads(env["CERTIFICATES_PEERS"]) == {"registry": settings.registry_url, "hours": settings.hours_url}


def test_defaults_derive_the_issuer_from_the_region_and_keep_lists_large() -> None:
    settings = Settings(region_code="120000", peers={}, public_base_url="https://jxjy.tianjin.example/")
    assert settings.issuer_id == "urn:ce:120000:certificates"
    assert settings.public_base_url == "https://jxjy.tianjin.example"
    assert settings.status_list_size >= MIN_STATUS_LIST_SIZE
    with pytest.raises(ValueError, match="greater than or equal"):
        Settings(status_list_size=1024)

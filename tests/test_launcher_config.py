"""How `make run` lays out a deployment, so that two provinces can run side by side on one machine."""

import json
from pathlib import Path

import pytest

from launcher.config import Deployment


def test_defaults_are_hebei_on_port_8000() -> None:
    d = Deployment.from_env({})
    assert d.region_code == "130000"
    assert d.port("gateway") == 8000
    assert [d.port(s) for s in ("registry", "hours", "bases", "certificates")] == [8001, 8002, 8003, 8004]
    assert d.postgres_port == 8010
    assert d.data_dir == Path.cwd() / ".data"


def test_a_second_deployment_gets_its_own_ports_data_databases_and_issuer() -> None:
    hebei = Deployment.from_env({})
    beijing = Deployment.from_env({"CE_REGION_CODE": "110000", "CE_BASE_PORT": "9000", "CE_DATA_DIR": "/srv/bj"})
    assert beijing.port("gateway") == 9000
    assert beijing.data_dir == Path("/srv/bj")
    assert beijing.issuer != hebei.issuer
    env = beijing.service_env("postgresql://postgres@127.0.0.1:5432/postgres")
    assert env["HOURS_DATABASE_URL"] == "postgresql+asyncpg://postgres@127.0.0.1:5432/ce_hours_110000"
    assert env["GATEWAY_HOURS_URL"] == "http://127.0.0.1:9002"
    assert env["HOURS_TOKEN_AUDIENCE"] == "urn:ce:110000"
    assert json.loads(env["BASES_PEERS"]) == {"registry": "http://127.0.0.1:9001", "hours": "http://127.0.0.1:9002"}
    # The authority printed on certificates and named to partners is the province's own.
    assert env["CERTIFICATES_ISSUER_NAME"] == "北京市人力资源和社会保障厅"
    assert hebei.certificates_issuer_name == "河北省人力资源和社会保障厅"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CE_REGION_CODE": "hebei"}, "six-digit"),
        ({"CE_BASE_PORT": "eighty"}, "port number"),
        ({"CE_BASE_PORT": "80"}, "between"),
        ({"CE_WORKERS": "hour=2"}, "CE_WORKERS"),
        ({"CE_WORKERS": "hours=0"}, "CE_WORKERS"),
        ({"CE_WORKERS": "hours=two"}, "CE_WORKERS"),
    ],
)
def test_bad_settings_stop_with_a_clear_message(env: dict[str, str], message: str) -> None:
    with pytest.raises(SystemExit, match=message):
        Deployment.from_env(env)


def test_workers_per_service_default_to_one_process_and_can_be_raised() -> None:
    assert Deployment.from_env({}).workers == {}
    d = Deployment.from_env({"CE_WORKERS": "hours=2, certificates=3"})
    assert d.workers == {"hours": 2, "certificates": 3}

"""docker-compose.yaml checked without a container engine: its services, volumes, environment,
the paths it mounts, and the Airflow version of its image against requirements.txt."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
SERVICES = COMPOSE["services"]
AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-init",
)


def pinned(package: str) -> str:
    match = re.search(rf"^{package}==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M)
    assert match, f"{package} is not pinned in requirements.txt"
    return match.group(1)


def test_it_has_the_services_of_an_airflow_3_deployment_and_an_optional_sandbox():
    assert set(AIRFLOW_SERVICES) <= set(SERVICES)
    assert {"postgres", "staging-db"} <= set(SERVICES)
    assert SERVICES["sandbox"]["profiles"] == ["sandbox"]
    assert all("profiles" not in SERVICES[name] for name in AIRFLOW_SERVICES)
    commands = {name: SERVICES[name].get("command") for name in AIRFLOW_SERVICES[:4]}
    assert commands == {
        "airflow-apiserver": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-triggerer": "triggerer",
    }


def test_airflow_metadata_and_staging_tables_live_in_separate_databases():
    env = SERVICES["airflow-scheduler"]["environment"]

    assert "@postgres/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert "@staging-db:5432/tokopedia" in env["AIRFLOW_CONN_TOKOPEDIA_POSTGRES"]
    assert SERVICES["postgres"]["environment"]["POSTGRES_DB"] == "airflow"
    assert SERVICES["staging-db"]["environment"]["POSTGRES_DB"] == "tokopedia"


@pytest.mark.parametrize("service", AIRFLOW_SERVICES)
def test_every_airflow_service_mounts_the_project_and_reads_the_env_file(service):
    definition = SERVICES[service]
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in definition["volumes"]}

    for folder in ("dags", "plugins", "include", "config"):
        assert mounts[f"/opt/airflow/{folder}"] == f"./{folder}"
    assert definition["env_file"] == [".env"]
    assert definition["environment"]["PYTHONPATH"] == "/opt/airflow/include"
    assert definition["environment"]["TOKOPEDIA_SHOPS_FILE"] == "/opt/airflow/config/shops.yaml"


def test_every_path_it_mounts_or_builds_from_exists():
    for name, definition in SERVICES.items():
        for volume in definition.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts {source}, which does not exist"
            else:
                assert source in COMPOSE["volumes"], f"{name} uses undeclared volume {source}"
        build = definition.get("build")
        if build:
            assert (ROOT / build / "Dockerfile").exists()


def test_the_image_installs_the_project_on_the_airflow_version_of_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()

    (base,) = re.findall(r"^FROM apache/airflow:(\S+)$", dockerfile, re.M)
    assert base.split("-")[0] == pinned("apache-airflow")
    assert "constraints.txt" in dockerfile
    assert "pip install --no-cache-dir --no-deps /opt/tokopedia-sync" in dockerfile


def test_every_variable_it_uses_without_a_default_is_in_env_example():
    text = (ROOT / "docker-compose.yaml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)\}", text))
    example = (ROOT / ".env.example").read_text()
    defined = set(re.findall(r"^([A-Z0-9_]+)=", example, re.M))

    assert used <= defined, f"missing from .env.example: {sorted(used - defined)}"
    assert any(name.startswith("AIRFLOW_CONN_TOKOPEDIA_") for name in defined)


def test_the_sandbox_shares_the_schedulers_network_so_tasks_reach_it_on_localhost():
    sandbox = SERVICES["sandbox"]
    example = (ROOT / ".env.example").read_text()

    assert sandbox["network_mode"] == "service:airflow-scheduler"
    assert sandbox["entrypoint"][0] == "tokopedia-sandbox"
    assert '"host": "http://localhost:8765"' in example

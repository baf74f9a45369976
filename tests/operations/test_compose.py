"""docker-compose.yml cannot run here (no Docker daemon), so it is checked as a document: the services
the README promises, pinned images, only real settings, healthchecks, at least two workers."""

import re
from pathlib import Path

import pytest
import yaml

from config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
README = ROOT / "README.md"
APP_SERVICES = ("migrate", "worker", "web")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def readme_cluster_services() -> list[str]:
    """The services the README's "Running on a cluster" section lists as "- `name`: ..."."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Running on a cluster\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, "README.md has no '## Running on a cluster' section"
    return re.findall(r"^[-*] `([a-z0-9][a-z0-9_.-]*)`", match.group(1), re.M)


def test_every_service_the_readme_names_is_there_and_the_readme_names_them_all(services):
    named = readme_cluster_services()
    assert named, "the README's cluster section lists no services"
    assert sorted(set(named)) == sorted(services)


def test_every_image_has_a_pinned_tag(services):
    for name, service in services.items():
        image = service.get("image")
        assert image or service.get("build"), f"{name}: neither image nor build"
        if not image:
            continue
        reference = image.split("@", 1)[0]
        repository, _, tag = reference.rpartition(":")
        assert repository and "/" not in tag, f"{name}: image {image!r} has no tag"
        assert tag and tag != "latest", f"{name}: image {image!r} is not pinned"
        assert not re.fullmatch(r"\d+", tag) or name not in ("temporal", "temporal-ui"), (
            f"{name}: {image!r} pins only a major version"
        )


def test_the_temporal_server_runs_on_postgres(services):
    temporal = services["temporal"]
    assert temporal["image"].startswith("temporalio/auto-setup:")
    assert temporal["environment"]["DB"] == "postgres12"
    assert temporal["environment"]["POSTGRES_SEEDS"] in services
    assert services["temporal-ui"]["image"].startswith("temporalio/ui:")


def test_every_offboarding_variable_is_a_setting():
    fields = {f"OFFBOARDING_{name.upper()}" for name in Settings.model_fields}
    used = set(re.findall(r"\bOFFBOARDING_[A-Z0-9_]+", COMPOSE_FILE.read_text(encoding="utf-8")))
    assert used, "the compose file configures nothing through OFFBOARDING_* variables"
    assert used <= fields, f"not settings: {sorted(used - fields)}"


def test_app_services_are_configured_by_offboarding_variables_only(services):
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        keys = environment if isinstance(environment, dict) else [item.split("=", 1)[0] for item in environment]
        assert keys, f"{name}: no environment"
        assert all(key.startswith("OFFBOARDING_") for key in keys), f"{name}: {sorted(keys)}"
        assert services[name]["environment"]["OFFBOARDING_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert services[name]["environment"]["OFFBOARDING_TEMPORAL_ADDRESS"] == "temporal:7233"


def test_healthchecks_where_others_wait(services):
    for name in ("postgres", "temporal", "web"):
        check = services[name].get("healthcheck")
        assert check and check.get("test"), f"{name}: no healthcheck"
    for name, service in services.items():
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if condition["condition"] == "service_healthy":
                assert services[dependency].get("healthcheck"), (
                    f"{name} waits for {dependency} to be healthy, which has no healthcheck"
                )


def test_migrate_runs_once_before_the_worker_and_the_web_app(services):
    assert services["migrate"].get("restart", "no") == "no"
    for name in ("worker", "web"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_at_least_two_workers(services):
    worker = services["worker"]
    replicas = (worker.get("deploy") or {}).get("replicas", worker.get("scale", 1))
    others = [name for name in services if name != "worker" and name.startswith("worker")]
    assert int(replicas) + len(others) >= 2
    assert not worker.get("ports"), "replicas cannot share published ports"
    assert not worker.get("container_name"), "replicas cannot share a container name"


def test_the_web_app_is_served_with_the_trusted_proxies_of_the_settings(services):
    # uvicorn's own flags would believe X-Forwarded-For from 127.0.0.1; web.serve believes OFFBOARDING_TRUSTED_PROXIES only.
    web = services["web"]
    assert web["command"] == ["python", "-m", "web.serve"]
    assert "OFFBOARDING_TRUSTED_PROXIES" in web["environment"]


def test_the_worker_and_the_web_app_are_checked_by_their_readiness_on_their_own_ports(services):
    for name, port_setting in (("worker", "OFFBOARDING_WORKER_PORT"), ("web", "OFFBOARDING_WEB_PORT")):
        service = services[name]
        check = " ".join(service["healthcheck"]["test"])
        assert "/health/ready" in check, f"{name}: the healthcheck does not ask for readiness"
        assert port_setting in check and port_setting in service["environment"], (
            f"{name}: the check does not use the port the process serves on"
        )
        assert service["environment"]["OFFBOARDING_METRICS_HOST"] == "0.0.0.0", (
            f"{name}: metrics unreachable from other containers"
        )
    assert int(services["worker"]["environment"]["OFFBOARDING_WORKER_PORT"]) > 0
    assert int(services["web"]["environment"]["OFFBOARDING_WEB_METRICS_PORT"]) > 0
    assert services["web"]["environment"]["OFFBOARDING_LOG_FORMAT"] == "json"

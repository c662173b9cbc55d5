"""docker-compose.yml and .env.example stay in step with what the settings read.

There is no Docker engine on the build machines, so the file is checked by reading it: the five
services exist with health checks, start in the right order, and every environment variable they
are given (and every one .env.example documents) is one the settings actually read.
"""

import re
import shlex
from pathlib import Path

import pytest
import yaml

from tests.foundation.envscan import settings_reads

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"postgres", "redis", "web", "worker", "beat"}
APP_SERVICES = {"web", "worker", "beat"}
# Read by something other than our settings modules.
READ_BY_DJANGO = {"DJANGO_SETTINGS_MODULE"}
READ_BY_GUNICORN = {"WEB_CONCURRENCY"}
# POSTGRES_REPLICATION_PASSWORD is read by docker/postgres/replication.sh in that image.
POSTGRES_IMAGE_VARS = {
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_DB",
    "POSTGRES_REPLICATION_PASSWORD",
}
# Used only for ${...} substitution inside docker-compose.yml itself.
COMPOSE_ONLY = {
    "POSTGRES_PASSWORD",
    "WEB_PORT",
    "WEB_CONCURRENCY",
    "DATABASE_HOST",
    "POSTGRES_REPLICATION_PASSWORD",
    "PGBOUNCER_MAX_CLIENT_CONN",
    "PGBOUNCER_POOL_SIZE",
}

ENV_EXAMPLE_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
SUBSTITUTION = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def env_example() -> set[str]:
    return set(ENV_EXAMPLE_LINE.findall((ROOT / ".env.example").read_text(encoding="utf-8")))


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return command if isinstance(command, str) else shlex.join(command)


def test_settings_scan_finds_the_known_reads():
    # Guards the scanner itself: if it silently found nothing, every other check would pass.
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DEBUG", "CONN_MAX_AGE"} <= settings_reads()


def test_five_services_exist(compose):
    assert set(compose["services"]) >= SERVICES


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_has_a_healthcheck(compose, name):
    check = compose["services"][name].get("healthcheck") or {}
    assert check.get("test"), f"service {name} has no healthcheck test"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_services_pass_only_variables_the_settings_read(compose, name):
    environment = compose["services"][name].get("environment") or {}
    assert isinstance(environment, dict), "use the mapping form of environment:"
    allowed = settings_reads(include_test=False) | READ_BY_DJANGO
    if name == "web":
        allowed |= READ_BY_GUNICORN
    unknown = set(environment) - allowed
    assert not unknown, f"{name} passes variables no settings module reads: {sorted(unknown)}"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_services_run_production_settings(compose, name):
    environment = compose["services"][name]["environment"]
    assert environment["DJANGO_SETTINGS_MODULE"] == "healthpov.settings.production"
    assert environment["REDIS_URL"].startswith("redis://redis:")
    assert environment["DATABASE_URL"].startswith("postgres://")
    # The stack has PostgreSQL and Redis: production's fail-loud check stays on.
    assert "HEALTHPOV_SINGLE_BOX" not in environment


def test_postgres_gets_only_its_image_variables(compose):
    environment = compose["services"]["postgres"].get("environment") or {}
    assert set(environment) <= POSTGRES_IMAGE_VARS
    assert compose["services"]["postgres"]["image"].startswith("postgres:16")


def test_redis_is_version_7(compose):
    assert compose["services"]["redis"]["image"].startswith("redis:7")


def test_env_example_documents_only_known_variables(env_example):
    unknown = env_example - settings_reads(include_test=False) - READ_BY_DJANGO - COMPOSE_ONLY
    assert not unknown, f".env.example lists variables nothing reads: {sorted(unknown)}"


def test_env_example_documents_every_variable_the_settings_read(env_example):
    missing = settings_reads(include_test=False) - env_example
    assert not missing, f"add these to .env.example with a comment: {sorted(missing)}"


def test_every_substituted_variable_is_documented(env_example):
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    missing = set(SUBSTITUTION.findall(text)) - env_example
    assert not missing, f"docker-compose.yml uses undocumented variables: {sorted(missing)}"


def test_commands(compose):
    services = compose["services"]
    assert "gunicorn healthpov.wsgi" in command_of(services["web"])
    assert "manage.py migrate" in command_of(services["web"])
    assert "celery -A healthpov worker" in command_of(services["worker"])
    assert "celery -A healthpov beat" in command_of(services["beat"])


def test_start_order_waits_for_healthy_dependencies(compose):
    services = compose["services"]

    def waits_for(name: str) -> dict[str, str]:
        return {dep: spec["condition"] for dep, spec in services[name]["depends_on"].items()}

    assert waits_for("web") == {"postgres": "service_healthy", "redis": "service_healthy"}
    # Worker and beat wait for web, which applies the migrations before it reports healthy.
    for name in ("worker", "beat"):
        assert waits_for(name) == {"redis": "service_healthy", "web": "service_healthy"}


def test_volumes_keep_database_and_uploads(compose):
    assert any(
        v.endswith(":/var/lib/postgresql/data") for v in compose["services"]["postgres"]["volumes"]
    )
    for name in APP_SERVICES:
        assert any(v.endswith(":/app/var/media") for v in compose["services"][name]["volumes"])
    assert {"pgdata", "media"} <= set(compose["volumes"])


def test_dockerfile_builds_on_python_311_slim():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.MULTILINE)
    assert "collectstatic" in text


def test_replica_and_pgbouncer_are_optional_profiles(compose):
    services = compose["services"]
    assert services["postgres-replica"]["profiles"] == ["replica"]
    assert services["pgbouncer"]["profiles"] == ["pgbouncer"]
    # The default stack starts without them: nothing it always starts waits for them.
    for name in SERVICES:
        assert not {"postgres-replica", "pgbouncer"} & set(services[name].get("depends_on", {}))


def test_replica_is_a_streaming_standby_of_postgres(compose):
    replica = compose["services"]["postgres-replica"]
    command = command_of(replica)
    assert "pg_basebackup -h postgres -U replicator" in command
    assert "-R -X stream" in command
    assert "hot_standby=on" in command
    assert any(v.endswith(":/var/lib/postgresql/data") for v in replica["volumes"])
    assert "pgreplica" in compose["volumes"]
    init = [v for v in compose["services"]["postgres"]["volumes"] if "initdb.d" in v]
    assert init and (ROOT / init[0].split(":")[0]).exists()


def test_pgbouncer_pools_transactions_and_the_app_is_told(compose):
    pgbouncer = compose["services"]["pgbouncer"]["environment"]
    assert pgbouncer["POOL_MODE"] == "transaction"
    assert "@postgres:5432/" in pgbouncer["DATABASE_URL"]
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        assert environment["DATABASE_POOLER"] == "${DATABASE_POOLER:-}"
        assert "${DATABASE_HOST:-postgres}" in environment["DATABASE_URL"]
        assert environment["DATABASE_REPLICA_URL"] == "${DATABASE_REPLICA_URL:-}"

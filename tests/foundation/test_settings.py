"""Settings read from the environment: bad values stop the start and name the variable.

Each case starts a fresh interpreter (``django.setup()`` in a subprocess) with a clean
environment, as a server would. ``check --deploy`` on production settings is covered by
``tests/hardening/test_headers.py::test_check_deploy_is_clean_on_production_settings``.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.foundation.envscan import ROOT, clean_environ

PRODUCTION = "healthpov.settings.production"
LOCAL = "healthpov.settings.local"
GOOD_SECRET = "s" * 30 + "-a-long-enough-random-looking-secret-0123456789"


def start(tmp_path, module: str, code: str = "", **variables: str) -> subprocess.CompletedProcess:
    env = clean_environ(os.environ)
    env.update(DJANGO_SETTINGS_MODULE=module, HEALTHPOV_VAR_DIR=str(tmp_path / "var"))
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "nonsense"),
        ("CONN_MAX_AGE", "abc"),
        ("SESSION_IDLE_SECONDS", "half an hour"),
        ("EMAIL_NOTIFICATIONS", "sometimes"),
        ("CELERY_TASK_TIME_LIMIT", "1.5"),
    ],
)
def test_bad_value_stops_the_start_naming_the_variable(tmp_path, variable, value):
    result = start(tmp_path, LOCAL, **{variable: value})

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert variable in last_line


def test_good_values_start(tmp_path):
    result = start(
        tmp_path,
        LOCAL,
        "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])",
        DEBUG="false",
        CONN_MAX_AGE="60",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "60"


def test_postgresql_connections_turn_jit_off_keeping_the_url_options(tmp_path):
    # JIT compilation cost ~3 s per signing work-list page at 60,000 persons (bench/load.py).
    result = start(
        tmp_path,
        LOCAL,
        "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])",
        DATABASE_URL="postgres://u@127.0.0.1:5432/x?options=-c%20statement_timeout%3D5000",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'options': '-c statement_timeout=5000 -c jit=off'}"


@pytest.mark.django_db
def test_the_database_runs_without_jit():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (JIT is a PostgreSQL setting)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"ALLOWED_HOSTS": "healthpov.example.cn"}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short", "ALLOWED_HOSTS": "healthpov.example.cn"}, "SECRET_KEY"),
        ({"SECRET_KEY": GOOD_SECRET}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_secrets(tmp_path, variables, named):
    result = start(tmp_path, PRODUCTION, **variables)

    assert result.returncode != 0
    assert named in result.stderr.strip().splitlines()[-1]


def test_production_starts_with_secret_key_and_allowed_hosts(tmp_path):
    result = start(
        tmp_path,
        PRODUCTION,
        "from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)",
        SECRET_KEY=GOOD_SECRET,
        ALLOWED_HOSTS="healthpov.example.cn,www.healthpov.example.cn",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['healthpov.example.cn', 'www.healthpov.example.cn']"


def test_manage_py_defaults_to_local_settings(tmp_path):
    env = clean_environ(os.environ)
    env["HEALTHPOV_VAR_DIR"] = str(tmp_path / "var")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--verbosity",
            "0",
            "-c",
            "from django.conf import settings as s;"
            "print(s.SETTINGS_MODULE, s.DATABASES['default']['ENGINE'], s.DEBUG)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [LOCAL, "django.db.backends.sqlite3", "True"]


def test_without_redis_url_jobs_run_in_process(tmp_path):
    result = start(
        tmp_path,
        LOCAL,
        "from django.conf import settings as s;"
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL)",
    )

    assert result.stdout.split() == ["True", "memory://"]


def test_redis_url_turns_on_the_real_broker(tmp_path):
    result = start(
        tmp_path,
        LOCAL,
        "from healthpov.celery import app; c = app.conf;"
        "print(c.task_always_eager, c.broker_url, c.task_serializer, c.task_acks_late)",
        REDIS_URL="redis://127.0.0.1:6379/3",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "redis://127.0.0.1:6379/3", "json", "True"]


def test_collectstatic_works_with_production_storage(tmp_path):
    """The Dockerfile collects static files with the manifest storage; a missing file a CSS or
    JS file points to (say a vendored ``.map``) would fail the image build."""
    env = clean_environ(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        SECRET_KEY=GOOD_SECRET,
        ALLOWED_HOSTS="build",
        STATIC_ROOT=str(tmp_path / "static"),
        HEALTHPOV_VAR_DIR=str(tmp_path / "var"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert "en" in dict(settings.LANGUAGES)

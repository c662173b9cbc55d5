"""Settings read from the environment: bad values stop the start and name the variable.

Each case starts a fresh interpreter (``django.setup()`` in a subprocess) with a clean
environment, as a server would. ``check --deploy`` on production settings is covered by
``tests/hardening/test_headers.py::test_check_deploy_is_clean_on_production_settings``.
"""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.test import override_settings

from healthpov.checks import VISIBILITY_TIMEOUT_TOO_SHORT
from tests.foundation.envscan import ROOT, clean_environ

PRODUCTION = "healthpov.settings.production"
LOCAL = "healthpov.settings.local"
GOOD_SECRET = "s" * 30 + "-a-long-enough-random-looking-secret-0123456789"
# Nothing connects at start-up, so these need not answer.
SERVICES = {
    "DATABASE_URL": "postgres://healthpov@127.0.0.1:5432/healthpov",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
SECRETS = {"SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "healthpov.example.cn"}


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
        ("IMPORT_MAX_CELLS", "many"),
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


def test_postgresql_connections_turn_jit_and_parallel_workers_off_keeping_the_url_options(
    tmp_path,
):
    # Work-list pages paid more for JIT compilation than for running their queries; a parallel
    # plan spends more CPU to answer sooner (docs/architecture.md "Performance choices").
    result = start(
        tmp_path,
        LOCAL,
        "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])",
        DATABASE_URL="postgres://u@127.0.0.1:5432/x?options=-c%20statement_timeout%3D5000",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "{'options': '-c statement_timeout=5000 -c jit=off -c max_parallel_workers_per_gather=0"
        " -c random_page_cost=1.1'}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setting", "value"),
    [("jit", "off"), ("max_parallel_workers_per_gather", "0"), ("random_page_cost", "1.1")],
)
def test_the_database_runs_without_jit_or_parallel_workers(setting, value):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (JIT and parallel query are PostgreSQL settings)")
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {setting}")
        assert cursor.fetchone()[0] == value


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"ALLOWED_HOSTS": "healthpov.example.cn"}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short", "ALLOWED_HOSTS": "healthpov.example.cn"}, "SECRET_KEY"),
        ({"SECRET_KEY": GOOD_SECRET}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_secrets(tmp_path, variables, named):
    result = start(tmp_path, PRODUCTION, **SERVICES, **variables)

    assert result.returncode != 0
    assert named in result.stderr.strip().splitlines()[-1]


def test_production_starts_with_secret_key_and_allowed_hosts(tmp_path):
    result = start(
        tmp_path,
        PRODUCTION,
        "from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)",
        **SERVICES,
        SECRET_KEY=GOOD_SECRET,
        ALLOWED_HOSTS="healthpov.example.cn,www.healthpov.example.cn",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['healthpov.example.cn', 'www.healthpov.example.cn']"


PRINT_CONNECTIONS = (
    "from django.conf import settings; d = settings.DATABASES['default'];"
    " print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
)


def test_production_keeps_database_connections_and_checks_them(tmp_path):
    # A backend per request cost more CPU than most pages (docs/architecture.md
    # "Performance choices").
    result = start(tmp_path, PRODUCTION, PRINT_CONNECTIONS, **SERVICES, **SECRETS)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "60 True"


def test_production_conn_max_age_from_the_environment_wins(tmp_path):
    result = start(tmp_path, PRODUCTION, PRINT_CONNECTIONS, **SERVICES, **SECRETS, CONN_MAX_AGE="0")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0 True"


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_a_service_url(tmp_path, missing):
    variables = {name: url for name, url in SERVICES.items() if name != missing}

    result = start(tmp_path, PRODUCTION, **SECRETS, **variables)

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert missing in last_line


def test_production_refuses_an_empty_service_url(tmp_path):
    result = start(tmp_path, PRODUCTION, **SECRETS, **{**SERVICES, "REDIS_URL": " "})

    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr.strip().splitlines()[-1]


def test_single_box_opt_in_runs_production_on_sqlite_with_jobs_in_process(tmp_path):
    result = start(
        tmp_path,
        PRODUCTION,
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG)",
        **SECRETS,
        HEALTHPOV_SINGLE_BOX="true",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "False"]


def test_single_box_opt_in_is_a_strict_boolean(tmp_path):
    result = start(tmp_path, PRODUCTION, **SECRETS, HEALTHPOV_SINGLE_BOX="perhaps")

    assert result.returncode != 0
    assert "HEALTHPOV_SINGLE_BOX" in result.stderr.strip().splitlines()[-1]


def test_production_with_both_urls_uses_the_real_broker(tmp_path):
    result = start(
        tmp_path,
        PRODUCTION,
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)",
        **SECRETS,
        **SERVICES,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "False"]


def test_check_fails_when_the_visibility_timeout_does_not_exceed_the_task_time_limit():
    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "visibility_timeout": 1800}

    with override_settings(CELERY_BROKER_TRANSPORT_OPTIONS=options, CELERY_TASK_TIME_LIMIT=1800):
        errors = run_checks()

    assert VISIBILITY_TIMEOUT_TOO_SHORT in {error.id for error in errors}


def test_check_passes_with_the_default_visibility_timeout_and_time_limit():
    assert VISIBILITY_TIMEOUT_TOO_SHORT not in {error.id for error in run_checks()}


def test_manage_py_check_refuses_a_short_visibility_timeout(tmp_path):
    result = start(
        tmp_path,
        LOCAL,
        "from django.core.management import call_command; call_command('check')",
        CELERY_VISIBILITY_TIMEOUT="600",
        CELERY_TASK_TIME_LIMIT="900",
    )

    assert result.returncode != 0
    assert VISIBILITY_TIMEOUT_TOO_SHORT in result.stderr


def test_code_outside_the_settings_package_reads_no_setting_with_a_default():
    # A default there would hide the setting from .env.example, the README and these tests.
    pattern = re.compile(r"getattr\(\s*(?:django_)?settings\s*,")
    offenders = [
        str(path.relative_to(ROOT))
        for top in (
            "healthpov",
            "households",
            "signing",
            "treatment",
            "coverage",
            "inspections",
            "remediation",
            "desk",
        )
        for path in (ROOT / top).rglob("*.py")
        if "settings" not in path.relative_to(ROOT).parts[:2]
        and pattern.search(path.read_text(encoding="utf-8"))
    ]

    assert offenders == []


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
        HEALTHPOV_SINGLE_BOX="true",
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

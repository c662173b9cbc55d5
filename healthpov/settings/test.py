"""Test settings: the database comes from DATABASE_URL (SQLite in memory by default)."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, env

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Every run gets its own PostgreSQL test database, so parallel runs never collide.
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": f"test_healthpov_{os.getpid()}"}
else:
    DATABASES["default"]["OPTIONS"] = {}
# With DATABASE_REPLICA_URL in a pytest run's environment the test runner must not try to build
# a test database on the read-only replica: the alias stands in for the primary there. The live
# replica test (tests/hardening/test_replica.py) gives the replica URL to a gunicorn it starts.
if "replica" in DATABASES:
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}

MEDIA_ROOT = env.path(
    "MEDIA_ROOT", default=os.path.join(tempfile.gettempdir(), f"healthpov-test-media-{os.getpid()}")
)
CELERY_BROKER_URL = env.str("TEST_CELERY_BROKER_URL", default="memory://")
CELERY_RESULT_BACKEND = env.str("TEST_CELERY_RESULT_BACKEND", default=None) or None
CELERY_TASK_ALWAYS_EAGER = not env.str("TEST_CELERY_BROKER_URL", default="")
AXES_ENABLED = True
# WhiteNoise warns on every request when STATIC_ROOT is missing; tests serve from the finders.
STATIC_ROOT = Path(tempfile.gettempdir()) / "healthpov-test-static"
STATIC_ROOT.mkdir(exist_ok=True)
# The faults tests shorten the broker's visibility timeout on purpose, so that a killed
# worker's job is handed out again within the test; the start-up check (healthpov.E001)
# would otherwise stop their management commands.
if env.bool("TEST_SHORT_VISIBILITY_TIMEOUT", default=False):
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "healthpov.E001"]  # noqa: F405

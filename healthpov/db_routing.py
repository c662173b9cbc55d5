"""Reads of read-only pages on a PostgreSQL streaming replica (docs/scaling.md "Reads on a
replica").

Nothing reads the replica unless a view asks for it: a function view decorated with
:func:`reads_replica`, or the list and retrieve actions of a DRF viewset with
:class:`ReplicaReadsMixin`. Such a view runs its queries inside :func:`replica_reads`, and only
there does :class:`ReplicaRouter` send reads to the ``replica`` alias; writes, every other page,
Celery tasks and management commands use the primary.

A view reads the primary anyway when

- the request is not a GET or HEAD;
- the browser wrote (any POST, PUT, PATCH or DELETE) in the last ``REPLICA_STICKY_SECONDS``:
  :class:`RecentWriteMiddleware` remembers that in a signed cookie, so a user sees their own
  writes at once even while the replica lags;
- the replica cannot be reached: the connect attempt fails within ``REPLICA_CONNECT_TIMEOUT``,
  and this process then leaves the replica alone for ``REPLICA_RETRY_SECONDS``. A view whose
  replica connection fails mid-way is run once more on the primary.

Without ``DATABASE_REPLICA_URL`` there is no ``replica`` alias, no router and no middleware
(settings), and the decorator and mixin call the view as it is.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"
READ_METHODS = frozenset({"GET", "HEAD"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WROTE_COOKIE = "hp_wrote"
_WROTE_SALT = "healthpov.db_routing.wrote"


@dataclass
class _ReplicaScope:
    """One view's run on the replica; ``used`` once a read was sent there."""

    used: bool = False


_scope: ContextVar[_ReplicaScope | None] = ContextVar("healthpov_replica_scope", default=None)
# time.monotonic() before which this process does not try the replica again.
_replica_down_until = 0.0


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def replica_reads() -> Iterator[_ReplicaScope]:
    """Reads inside the block may go to the replica (writes never do)."""
    scope = _ReplicaScope()
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


@contextlib.contextmanager
def primary_reads() -> Iterator[None]:
    """Reads inside the block go to the primary, even within :func:`replica_reads`."""
    token = _scope.set(None)
    try:
        yield
    finally:
        _scope.reset(token)


def mark_replica_down() -> None:
    """Leave the replica alone in this process for ``REPLICA_RETRY_SECONDS``."""
    global _replica_down_until
    _replica_down_until = time.monotonic() + settings.REPLICA_RETRY_SECONDS
    with contextlib.suppress(OperationalError, InterfaceError):
        connections[REPLICA].close()


def replica_marked_down() -> bool:
    return time.monotonic() < _replica_down_until


def replica_usable() -> bool:
    """Whether reads may go to the replica now: configured, not marked down, and connected
    (connecting here, so that a replica that is down costs at most the connect timeout)."""
    if not replica_configured() or replica_marked_down():
        return False
    connection = connections[REPLICA]
    if connection.connection is not None:
        return True
    try:
        connection.ensure_connection()
    except OperationalError as exc:
        logger.warning(
            "replica unreachable, reading the primary for %ss: %s",
            settings.REPLICA_RETRY_SECONDS,
            str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
        )
        mark_replica_down()
        return False
    return True


class ReplicaRouter:
    """Reads inside :func:`replica_reads` go to the replica while it answers; everything else,
    every write and every migration, to the primary."""

    def db_for_read(self, model, **hints) -> str:
        scope = _scope.get()
        if scope is not None and replica_usable():
            scope.used = True
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the primary's rows: an object read from either may refer to one
        # read from the other.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool:
        return db == PRIMARY


def wrote_recently(request: HttpRequest) -> bool:
    """The browser wrote in the last ``REPLICA_STICKY_SECONDS`` (the signed cookie's own
    timestamp is checked, so a kept cookie does not extend it)."""
    value = request.get_signed_cookie(
        WROTE_COOKIE, default=None, salt=_WROTE_SALT, max_age=settings.REPLICA_STICKY_SECONDS
    )
    return value is not None


def replica_eligible(request: HttpRequest) -> bool:
    return (
        replica_configured()
        and request.method in READ_METHODS
        and not wrote_recently(request)
        and not replica_marked_down()
    )


def run_on_replica(request: HttpRequest, view: Callable[[], HttpResponse]) -> HttpResponse:
    """``view()`` with its reads on the replica when the request may use it.

    The caller is identified on the primary first: the session and the user are loaded
    before the block, so a user who has just signed in or whose access was just revoked is
    seen as the primary has them. A template response is rendered inside the block, since its
    template runs queries. If the replica fails while the view reads from it, the view is
    run once more, on the primary.
    """
    if not replica_eligible(request):
        return view()
    user = getattr(request, "user", None)
    if user is not None:
        user.is_authenticated  # noqa: B018 - loads the lazy user (and session) from the primary
    try:
        with replica_reads() as scope:
            response = view()
            if isinstance(response, TemplateResponse) and not response.is_rendered:
                response.render()
        return response
    except (OperationalError, InterfaceError) as exc:
        if not scope.used:
            raise
        logger.warning("replica failed during a page, reading it again from the primary: %s", exc)
        mark_replica_down()
        return view()


def reads_replica(view_func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Marks a read-only function view: its GET and HEAD requests read the replica.

    Only for views that show data (dashboards, report forms, drill-down lists, exports): what
    they show may lag the primary by the replica's delay, except to a user who has just
    written. Put it under ``@api_view`` for a DRF function view, so that the token is checked
    on the primary.
    """

    @functools.wraps(view_func)
    def wrapper(request, *args, **kwargs):
        return run_on_replica(request, lambda: view_func(request, *args, **kwargs))

    wrapper.reads_replica = True  # type: ignore[attr-defined]
    return wrapper


class ReplicaReadsMixin:
    """For a DRF viewset: ``list`` and ``retrieve`` (GET) read the replica. The caller is
    authenticated and permitted before, on the primary; other actions are untouched.

    Only the actions the viewset has are wrapped (at class creation): a list-only viewset must
    not gain a ``retrieve``, or the router would publish a detail URL that has no view."""

    reads_replica = True

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("list", "retrieve"):
            action = getattr(cls, name, None)
            if action is not None and not getattr(action, "reads_replica", False):
                setattr(cls, name, _on_replica(action))


def _on_replica(action: Callable) -> Callable:
    @functools.wraps(action)
    def wrapper(self, request, *args, **kwargs):
        return run_on_replica(request, lambda: action(self, request, *args, **kwargs))

    wrapper.reads_replica = True  # type: ignore[attr-defined]
    return wrapper


class RecentWriteMiddleware:
    """Gives every answer to a write (POST, PUT, PATCH, DELETE) a signed cookie that sends the
    browser's reads to the primary for the next ``REPLICA_STICKY_SECONDS``. Installed only
    with a replica (settings)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in WRITE_METHODS:
            response.set_signed_cookie(
                WROTE_COOKIE,
                "1",
                salt=_WROTE_SALT,
                max_age=settings.REPLICA_STICKY_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


def forget_replica_in_tasks(**kwargs) -> None:
    """Celery ``task_prerun``: a task run in process (no broker) inside a replica view still
    reads the primary; jobs never read a replica."""
    token = _scope.set(None)
    task = kwargs.get("task")
    if task is not None:
        task.request.healthpov_replica_token = token


def restore_after_task(**kwargs) -> None:
    task = kwargs.get("task")
    token = getattr(getattr(task, "request", None), "healthpov_replica_token", None)
    if token is not None:
        _scope.reset(token)

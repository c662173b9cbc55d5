"""How many requests of one web process run the application at once.

A web process (gunicorn's gthread worker, healthpov/gunicorn.conf.py) has four threads so that
keep-alive connections, slow clients and a long export do not hold the whole process. Under
overload, four threads each running Python and each holding a PostgreSQL backend busy cost
more CPU per request than one would (they take the interpreter lock from each other, and twice
as many backends share the cores), so the throughput fell to 0.86 of capacity where one thread
a process held 0.97 (docs/scaling.md "Overload").

``AdmissionLimit`` wraps the WSGI application: a request waits for one of ``permits`` places
(``WEB_ACTIVE_REQUESTS``, 1 by default: one per process, as one process per core) before it
runs. It waits at most ``wait`` seconds (``WEB_ADMISSION_WAIT_MS``, 100 ms): after that it runs
anyway, so a long request (an export, a slow upload) delays the requests behind it by that
much and no more, which is the threads' purpose. A place is held while Django handles the
request, not while the answer is sent: sending is waiting on the client.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class AdmissionLimit:
    def __init__(self, application: WSGIApp, permits: int, wait: float) -> None:
        self.application = application
        self.permits = permits
        self.wait = wait
        self._places = threading.BoundedSemaphore(permits)
        self._lock = threading.Lock()
        self.admitted = 0  # requests that ran holding a place
        self.overflowed = 0  # requests that waited ``wait`` and ran without one

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        holding = self._places.acquire(timeout=self.wait)
        with self._lock:
            if holding:
                self.admitted += 1
            else:
                self.overflowed += 1
        try:
            return self.application(environ, start_response)
        finally:
            if holding:
                self._places.release()


def limited(application: WSGIApp, permits: int, wait_ms: int) -> WSGIApp:
    """``application`` behind an admission limit; unchanged when ``permits`` is 0."""
    if permits <= 0:
        return application
    return AdmissionLimit(application, permits, max(wait_ms, 0) / 1000)

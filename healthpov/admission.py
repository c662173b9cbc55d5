"""How many requests of one web process run the application at once (off by default).

A web process (gunicorn's gthread worker, healthpov/gunicorn.conf.py) has four threads so that
keep-alive connections, slow clients and a long export do not hold the whole process. Four
threads each running Python, each keeping a PostgreSQL backend busy, may cost more CPU per
request than one: in one full-size run on a fast host, under overload, two processes of four
threads held 0.86 of their capacity and two of one thread 0.97 (docs/scaling.md "Overload by
server shape").

``AdmissionLimit`` gives the one-thread behaviour without its hazard. It wraps the WSGI
application: a request runs once it has one of ``permits`` places (``WEB_ACTIVE_REQUESTS``;
1 is one per process, as there is one process per core); the others wait, first come first
served. A request that has held its place for ``long_after`` seconds (``WEB_LONG_REQUEST_MS``,
200 ms) gives it up to the next one and runs on beside it: an export or a slow upload delays
the requests behind it by that much and no more, which is what the threads are for. A place is
held while Django handles the request, not while the answer is sent: sending is waiting on the
client.

It is off (``WEB_ACTIVE_REQUESTS=0``) until a host shows it pays: ``bench/admission.py``
measures it against no limit; on the 2-core host where it was built it made no difference that
the host's drift did not hide (docs/scaling.md "The admission limit").
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class AdmissionLimit:
    def __init__(self, application: WSGIApp, permits: int, long_after: float) -> None:
        self.application = application
        self.permits = permits
        self.long_after = long_after
        self._changed = threading.Condition()
        self._holding: dict[int, float] = {}  # request number → when it took its place
        self._numbers = itertools.count()
        self._waiting: deque[int] = deque()
        self.admitted = 0  # requests that took a free place
        self.displaced = 0  # requests that took the place of one that had run long

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        number = self._enter()
        try:
            return self.application(environ, start_response)
        finally:
            self._leave(number)

    def _enter(self) -> int:
        number = next(self._numbers)
        with self._changed:
            self._waiting.append(number)
            try:
                now = self._wait_for_a_place(number)
            finally:
                self._waiting.remove(number)
                self._changed.notify_all()  # the next in line counts from the new oldest
            self._holding[number] = now
        return number

    def _wait_for_a_place(self, number: int) -> float:
        """Waits (holding ``_changed``) until ``number`` is first in line and a place is free
        or held by a request that has run long; returns the time it got it."""
        while True:
            if self._waiting[0] != number:  # first come, first served
                self._changed.wait()
                continue
            now = time.monotonic()
            if len(self._holding) < self.permits:
                self.admitted += 1
                return now
            oldest, since = min(self._holding.items(), key=lambda item: item[1])
            if now - since >= self.long_after:
                del self._holding[oldest]  # it runs on without a place
                self.displaced += 1
                return now
            self._changed.wait(self.long_after - (now - since))

    def _leave(self, number: int) -> None:
        with self._changed:
            if self._holding.pop(number, None) is not None:
                self._changed.notify_all()


def limited(application: WSGIApp, permits: int, long_after_ms: int) -> WSGIApp:
    """``application`` behind an admission limit; unchanged when ``permits`` is 0."""
    if permits <= 0:
        return application
    return AdmissionLimit(application, permits, max(long_after_ms, 0) / 1000)

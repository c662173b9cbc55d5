"""Background work yields the CPU to page requests.

A county runs the web server, the database and the Celery worker on one machine of a few
cores. Nobody waits on an import or a recompute second by second, while every page has a user
waiting, so the worker's processes, and the long management commands that do the same work
from a shell, run at the lower scheduling priority ``WORKER_NICE`` (10 by default; 0 leaves it
alone). On an idle machine the job runs as fast as before; on a busy one the pages come first
and the job takes longer (docs/scaling.md "Background work and page latency").

With ``WORKER_IDLE_POLICY`` (the default) they also run under Linux's ``SCHED_IDLE`` policy:
the CPU only when nothing else wants it, and a waking page request preempts them at once
(niceness alone still gives a niced process a tenth of a contended core and lets it finish
its time slice). Under a load that never leaves a core idle a job then crawls; it still
finishes, and its progress shows it.
"""

from __future__ import annotations

import contextlib
import os

from django.conf import settings


def lower_priority() -> int:
    """Lower this process's priority to ``WORKER_NICE`` (never raise it) and, with
    ``WORKER_IDLE_POLICY``, put it under ``SCHED_IDLE`` where the system has it; the niceness
    now."""
    wanted = settings.WORKER_NICE
    if wanted > os.getpriority(os.PRIO_PROCESS, 0):
        os.setpriority(os.PRIO_PROCESS, 0, wanted)
    if settings.WORKER_IDLE_POLICY and hasattr(os, "SCHED_IDLE"):
        # The calling thread's policy; threads and processes started later inherit it. Where a
        # container forbids it, the niceness still applies.
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    return os.getpriority(os.PRIO_PROCESS, 0)


class BackgroundCommand:
    """Mixed into a management command doing a job's work (an import, a recompute): run from
    a shell, it runs at the worker's priority. ``call_command`` (tests, other code) leaves the
    calling process's priority alone."""

    def run_from_argv(self, argv: list[str]) -> None:
        lower_priority()
        super().run_from_argv(argv)  # type: ignore[misc]

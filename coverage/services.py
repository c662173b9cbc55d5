"""Writes of the coverage app: recomputing snapshots, starting a recompute run."""

from __future__ import annotations

import datetime
import io
import logging
import time
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from coverage import indicators as ind
from coverage.models import IndicatorTarget, RecomputeRun, Snapshot
from coverage.selectors import (
    PlaceRow,
    compute_table,
    compute_table_around,
    target_year_in_force,
)
from healthpov.accounts.models import User
from healthpov.operations.dispatch import enqueue
from healthpov.period import ReportingPeriod
from healthpov.places.models import Place
from households.models import RosterEntry

logger = logging.getLogger(__name__)


def recompute_coverage(
    *,
    year: int,
    as_of: datetime.date,
    run: RecomputeRun | None = None,
    roots: Sequence[Place] | None = None,
) -> int:
    """Compute every indicator for every place (under ``roots``, every place when ``None``) and
    store them as the snapshot of ``as_of``.

    Running it twice for the same day overwrites that day's snapshot (an upsert), so the
    nightly job and a button press never pile up duplicates. Returns the rows written.
    """
    started = time.monotonic()
    period = ReportingPeriod(year=year, as_of=as_of)
    _progress(run, status=RecomputeRun.Status.RUNNING, progress=10)
    if roots is None:
        rows = compute_table(period).rows
    else:
        rows = [row for root in roots for row in compute_table(period, root=root).rows]
    return _store_snapshots(period, rows, run=run, started=started)


def recompute_coverage_around(
    *, year: int, as_of: datetime.date, places: Sequence[int], run: RecomputeRun | None = None
) -> int:
    """Store as the snapshot of ``as_of`` the figures a change of the registry under
    ``places`` can have changed: their counties' and the places' above them
    (``compute_table_around``); every other place's snapshot is left as it is. Returns the
    rows written."""
    started = time.monotonic()
    period = ReportingPeriod(year=year, as_of=as_of)
    _progress(run, status=RecomputeRun.Status.RUNNING, progress=10)
    with transaction.atomic():
        # The places above are summed from the snapshot rows of their other children: no
        # other write of the year's snapshots may come between that read and this write.
        _lock_snapshots(year)
        rows = compute_table_around(period, places).rows
        return _store_snapshots(period, rows, run=run, started=started)


def _lock_snapshots(year: int) -> None:
    """Wait for, then hold until the transaction ends, the year's lock on snapshot writes
    (PostgreSQL; SQLite has one writer at a time)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SNAPSHOT_LOCK, year])


SNAPSHOT_LOCK = 0x636F76  # the advisory lock's first key: "cov", the year is the second


def _store_snapshots(
    period: ReportingPeriod, rows: Sequence[PlaceRow], *, run: RecomputeRun | None, started: float
) -> int:
    year, as_of = period.year, period.as_of
    _progress(run, progress=70)
    now = timezone.now()
    # One row per place: overlapping roots give some twice, and the last one counts.
    latest = {row.place_id: row.values for row in rows}
    values = [
        (place_id, code, value)
        for place_id, row_values in latest.items()
        for code, value in row_values.items()
        if code in ind.REGISTRY
    ]
    with transaction.atomic():
        _lock_snapshots(year)
        if connection.vendor == "postgresql":
            _replace_by_copy(year=year, as_of=as_of, now=now, places=list(latest), values=values)
        else:
            Snapshot.objects.bulk_create(
                [
                    Snapshot(
                        date=as_of, year=year, place_id=place_id, code=code, value=value,
                        computed_at=now,
                    )
                    for place_id, code, value in values
                ],
                batch_size=2000,
                update_conflicts=True,
                unique_fields=["date", "place", "year", "code"],
                update_fields=["value", "computed_at"],
            )  # fmt: skip
    written = len(values)
    seconds = time.monotonic() - started
    _progress(
        run,
        status=RecomputeRun.Status.DONE,
        progress=100,
        snapshots_written=written,
        seconds=seconds,
        finished_at=timezone.now(),
    )
    logger.info(
        "coverage recomputed for %s as of %s: %d snapshots in %.2fs",
        year,
        as_of,
        written,
        seconds,
    )
    return written


def _replace_by_copy(
    *,
    year: int,
    as_of: datetime.date,
    now: datetime.datetime,
    places: list[int],
    values: list[tuple[int, str, Any]],
) -> None:
    """The day's snapshot of ``places`` replaced by ``values`` (place id, code, value): their
    rows of that day deleted, the new ones written by COPY. A province has about a million of
    them; statements took most of a recompute to build and send, and an ``INSERT … ON
    CONFLICT`` that overwrote a day's rows cost more than deleting and writing them again
    (docs/scaling.md "The snapshot write"). The caller holds the year's snapshot lock."""
    prefix = f"{as_of.isoformat()}\t{year}\t"
    suffix = f"\t{now.isoformat()}\n"
    buffer = io.StringIO(
        "".join(
            f"{prefix}{place_id}\t{code}\t{NULL if value is None else value}{suffix}"
            for place_id, code, value in values
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM coverage_snapshot WHERE date = %s AND year = %s AND place_id = ANY(%s)",
            [as_of, year, places],
        )
        cursor.cursor.copy_expert(
            "COPY coverage_snapshot (date, year, place_id, code, value, computed_at) FROM STDIN",
            buffer,
        )


NULL = r"\N"


def _progress(run: RecomputeRun | None, **fields) -> None:
    if run is None:
        return
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=list(fields))


def recompute_run_start(
    *, year: int, as_of: datetime.date, actor, places: Sequence[int] | None = None
) -> RecomputeRun:
    """Queue a recompute pressed by a county user (its page polls the run for progress), or
    one of a change of the registry under ``places`` (no ``actor``)."""
    from coverage.tasks import recompute_run

    with transaction.atomic():
        run = RecomputeRun(year=year, as_of=as_of, started_by=actor, places=places)
        run.full_clean()
        run.save()
        enqueue(recompute_run, run.pk)  # sent on commit; kept if Redis is down
    return run


def recompute_after_registry_change(
    *, years: Sequence[int], places: Sequence[int] | None = None
) -> list[RecomputeRun]:
    """Queue a recompute for each roster year a registry write changed (an import applied or
    undone), so every page agrees without anyone pressing the button: of the counties of
    ``places`` and the places above them, or of every place when ``places`` is ``None``.
    Called inside that write's transaction: the job is sent only if it commits."""
    runs = []
    for year in sorted(set(years)):
        period = ReportingPeriod.for_year(year)
        if period.start > timezone.localdate():
            continue  # a future roster year has nothing to count yet
        runs.append(
            recompute_run_start(
                year=period.year,
                as_of=period.as_of,
                actor=None,
                places=None if places is None else sorted(set(places)),
            )
        )
    return runs


def _roots_of(user: User | None) -> list[Place] | None:
    """The places whose subtrees a run started by ``user`` may write (``None``: all of them)."""
    if user is None:
        return None  # started by the system (nightly job, command)
    paths = user.visible_place_paths() if user.is_active else []
    if paths is None:
        return None
    return list(Place.objects.filter(path__in=paths))


def _run_claim(run_id: int) -> RecomputeRun | None:
    """Mark a queued run running (``None`` when it is finished). A run of a registry change
    takes in the places of every other such run of its day still queued, which are then done
    (their jobs find them finished): a burst of imports is recomputed once, by the first of
    their jobs that starts. Taken in one transaction, so a worker dying later leaves the run
    running with every place it took, and its redelivered job recomputes them."""
    with transaction.atomic():
        run = RecomputeRun.objects.select_for_update().get(pk=run_id)
        if run.is_finished:
            return None
        if run.places is not None:
            queued = list(
                RecomputeRun.objects.select_for_update(skip_locked=True)
                .filter(
                    status=RecomputeRun.Status.QUEUED,
                    year=run.year,
                    as_of=run.as_of,
                    started_by__isnull=True,
                    places__isnull=False,
                )
                .exclude(pk=run.pk)
                .values_list("pk", "places")
            )
            if queued:
                run.places = sorted({*run.places, *(p for _pk, places in queued for p in places)})
                RecomputeRun.objects.filter(pk__in=[pk for pk, _places in queued]).update(
                    status=RecomputeRun.Status.DONE, progress=100, finished_at=timezone.now()
                )
        run.status = RecomputeRun.Status.RUNNING
        run.save(update_fields=["status", "places"])
    return run


def recompute_run_execute(*, run_id: int) -> RecomputeRun:
    """Carry out a queued run (the task calls this); a finished run is left alone."""
    run = _run_claim(run_id)
    if run is None:
        return RecomputeRun.objects.get(pk=run_id)
    try:
        if run.places is not None:
            recompute_coverage_around(year=run.year, as_of=run.as_of, places=run.places, run=run)
        else:
            recompute_coverage(
                year=run.year, as_of=run.as_of, run=run, roots=_roots_of(run.started_by)
            )
    except Exception as exc:
        # Record the failure on the run so the page stops polling, then let the task fail.
        _progress(
            run,
            status=RecomputeRun.Status.FAILED,
            message=str(exc)[:2000],
            finished_at=timezone.now(),
        )
        raise
    return run


def roster_years() -> list[int]:
    """Years that have anything to report on (the roster years, else this year)."""
    years = sorted(set(RosterEntry.objects.order_by().values_list("year", flat=True).distinct()))
    return years or [ReportingPeriod.current().year]


def recompute_all() -> int:
    """The nightly job: every roster year, as of today (a past year as of its 31 December)."""
    written = 0
    for year in roster_years():
        period = ReportingPeriod.for_year(year)
        if period.start > timezone.localdate():
            continue  # a future roster year has nothing to count yet
        written += recompute_coverage(year=period.year, as_of=period.as_of)
    return written


@transaction.atomic
def targets_start_year(*, year: int, actor: User | None) -> int:
    """Copy the indicator targets in force in ``year`` (the newest earlier year's) into rows of
    ``year`` for an administrator to edit; nothing when ``year`` has targets of its own.
    Returns how many were copied."""
    source = target_year_in_force(year)
    if source is None or source == year:
        return 0
    copied = 0
    for target in IndicatorTarget.objects.filter(year=source):
        target.pk = None
        target.year = year
        target.full_clean()
        if actor is not None:
            target._history_user = actor
        target.save()
        copied += 1
    return copied

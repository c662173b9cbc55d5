"""Background jobs of the coverage app: thin callers of one service each, safe to run twice."""

from celery import shared_task

from coverage import services


@shared_task
def recompute_all() -> int:
    """Nightly (beat): snapshot every roster year's indicators as of today."""
    return services.recompute_all()


@shared_task
def recompute_run(run_id: int) -> int:
    """A recompute a county user asked for; a finished run is not recomputed again."""
    return services.recompute_run_execute(run_id=run_id).snapshots_written

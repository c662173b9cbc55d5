"""Background jobs of the registry: checking and applying uploaded import files."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from households import services
from households.models import ImportBatch


@shared_task
def check_import_batch(batch_id: int) -> None:
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status not in {
        ImportBatch.Status.UPLOADED,
        ImportBatch.Status.CHECKING,
    }:
        return  # already checked (safe to run twice)
    services.import_batch_check(batch=batch)


@shared_task(bind=True)
def apply_import_batch(
    self,
    batch_id: int,
    user_id: int,
    valid_rows_only: bool = False,
    confirm_leavers: int | None = None,
) -> None:
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    actor = get_user_model().objects.filter(pk=user_id).first()
    if batch is None or actor is None:
        return
    services.import_batch_apply(
        batch=batch,
        actor=actor,
        valid_rows_only=valid_rows_only,
        confirm_leavers=confirm_leavers,
        claim=self.request.id or "",
    )

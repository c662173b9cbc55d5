from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingDispatch(models.Model):
    """A Celery job written in the same transaction as the record it works on (an outbox).

    It is sent after commit and deleted once the broker took it. While Redis is down the send
    fails fast, the row stays, and ``dispatch_pending`` (beat, every minute; also when a worker
    starts) sends it later. Tasks are safe to run twice, so a send whose deletion failed costs
    one harmless rerun. Holds task names and ids only, no data of a place.
    """

    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField(_("failed sends"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("pending job")
        verbose_name_plural = _("pending jobs")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"

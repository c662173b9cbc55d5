"""Records of the glue layer: what reached the server from the phones (docs/field-sync.md)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldSubmission(models.Model):
    """One record made on a phone and accepted by the sync, under the UUID the phone gave it.

    The UUID is accepted once: a resend of the same record is answered with the record saved
    the first time (``record_type`` / ``record_id``), a different record under the same UUID
    is refused. Refused records are not kept here: they stay on the phone to be corrected.
    """

    uuid = models.UUIDField(_("record UUID"), unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=30)
    #: SHA-256 of the record's kind, target and values (the same record sent again has it).
    payload_sha256 = models.CharField(_("payload hash"), max_length=64)
    record_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.PROTECT, related_name="+"
    )
    record_id = models.PositiveBigIntegerField(_("record id"))
    queued_at = models.DateTimeField(_("queued on the phone at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("field submission")
        verbose_name_plural = _("field submissions")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"

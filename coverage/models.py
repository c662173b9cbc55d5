"""Indicator snapshots, recompute runs and the yearly targets of the indicators.

The indicators themselves are defined once, in :mod:`coverage.indicators`; these tables only
keep what was computed (kept by date so trends can be drawn) and what the policy aims for.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from healthpov.choices import ChoiceLabels
from healthpov.places.models import Place
from healthpov.places.scoping import ScopedQuerySet


class Snapshot(models.Model):
    """One indicator's value for one place, reporting year and as-of date."""

    date = models.DateField(_("as of"))
    year = models.PositiveSmallIntegerField(_("year"))
    # No index of its own: the (place, year, date) index below starts with it.
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    code = models.CharField(_("indicator"), max_length=40)
    # Counts are whole numbers, rates fractions; NULL is a rate whose denominator is zero.
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=6, null=True)
    computed_at = models.DateTimeField(_("computed at"))

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "place"

    class Meta:
        verbose_name = _("indicator snapshot")
        verbose_name_plural = _("indicator snapshots")
        ordering = ["date", "place__path", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "place", "year", "code"], name="snapshot_unique_per_day"
            ),
        ]
        indexes = [
            models.Index(fields=["year", "date", "code"]),
            # Dashboards and trends read one place's snapshots.
            models.Index(fields=["place", "year", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.place_id} {self.code}={self.value}"


class RecomputeRun(ChoiceLabels, models.Model):
    """One recompute of the indicators; its page polls ``progress``.

    A run a user started covers the places the user sees; one queued by a change of the
    registry (no ``started_by``) covers ``places``' counties and the places above them, or
    every place when ``places`` is empty (``None``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    year = models.PositiveSmallIntegerField(_("year"))
    as_of = models.DateField(_("as of"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    snapshots_written = models.PositiveIntegerField(_("snapshots written"), default=0)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Ids of the places a change of the registry touched (coverage.services,
    # recompute_after_registry_change); queued runs of the same day are recomputed together.
    places = models.JSONField(_("places touched"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recompute run")
        verbose_name_plural = _("recompute runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.year} {self.as_of} {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class IndicatorTarget(ChoiceLabels, models.Model):
    """What the year's policy aims for on one indicator (edited by an administrator)."""

    class Direction(models.TextChoices):
        AT_LEAST = "min", _("at least")
        AT_MOST = "max", _("at most")

    year = models.PositiveSmallIntegerField(_("year"))
    code = models.CharField(_("indicator"), max_length=40)
    target = models.DecimalField(
        _("target"),
        max_digits=12,
        decimal_places=4,
        help_text=_("A fraction for rates: 0.9 is 90%."),
    )
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.AT_LEAST
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")
        ordering = ["year", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "code"], name="indicator_target_unique_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.code} {self.get_direction_display()} {self.target}"

    def is_met(self, value) -> bool | None:
        if value is None:
            return None
        if self.direction == self.Direction.AT_MOST:
            return value <= self.target
        return value >= self.target

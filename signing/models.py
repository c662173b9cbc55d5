"""Family-doctor signing; also the yearly disease catalogue that other apps refer to."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Disease(models.Model):
    """One disease of a year's catalogue, with what the policy of that year requires for it."""

    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=100)
    is_special_outpatient = models.BooleanField(
        _("special outpatient disease"), default=False, help_text=_("Needs a special-disease booklet.")
    )
    is_key_chronic = models.BooleanField(
        _("key chronic disease"), default=False, help_text=_("Needs a follow-up every quarter.")
    )
    is_major_illness = models.BooleanField(_("major illness"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("catalogued disease")
        verbose_name_plural = _("disease catalogue")
        ordering = ["year", "name"]
        constraints = [models.UniqueConstraint(fields=["year", "name"], name="disease_unique_per_year")]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

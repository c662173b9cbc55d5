from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from healthpov.choices import ChoiceLabels
from healthpov.places.models import Institution, Place


class User(ChoiceLabels, AbstractUser):
    class Role(models.TextChoices):
        TOWNSHIP_STAFF = "township_staff", _("Township staff")
        VILLAGE_DOCTOR = "village_doctor", _("Village doctor")
        COUNTY_BUREAU = "county_bureau", _("County bureau")
        CITY_BUREAU = "city_bureau", _("City bureau")
        INSPECTOR = "inspector", _("Inspector")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.TOWNSHIP_STAFF
    )
    place = models.ForeignKey(
        Place,
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("The user sees this place and everything under it."),
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def visible_place_paths(self) -> list[str] | None:
        """Path prefixes of the subtrees this user may see; ``None`` means everything."""
        return self._visible_place_paths

    @cached_property
    def _visible_place_paths(self) -> list[str] | None:
        if self.is_superuser or self.role == self.Role.ADMIN:
            return None
        if self.role == self.Role.INSPECTOR:
            # Inspectors see only the places assigned to their inspection groups, until the
            # group's campaign has ended plus INSPECTION_ACCESS_GRACE_DAYS (time to finish the
            # write-up); after that the group opens nothing.
            grace = timedelta(days=settings.INSPECTION_ACCESS_GRACE_DAYS)
            paths = self.inspection_groups.filter(
                campaign__ends_on__gte=timezone.localdate() - grace
            ).values_list("places__path", flat=True)
            return sorted({p for p in paths if p})
        if self.place_id is None:
            return []
        return [self.place.path]

    @property
    def is_county_level(self) -> bool:
        """Bureau staff at county level or above (they review, inspect and close items)."""
        return self.is_superuser or self.role in {
            self.Role.COUNTY_BUREAU,
            self.Role.CITY_BUREAU,
            self.Role.ADMIN,
        }

    @property
    def is_township_level(self) -> bool:
        return self.role in {self.Role.TOWNSHIP_STAFF, self.Role.VILLAGE_DOCTOR}

    @property
    def can_edit_registry(self) -> bool:
        """Who may enter and correct households, persons and their service records."""
        return self.is_superuser or self.role in {
            self.Role.TOWNSHIP_STAFF,
            self.Role.VILLAGE_DOCTOR,
            self.Role.ADMIN,
        }

    @property
    def may_reveal_personal_data(self) -> bool:
        """Who may reveal full ID numbers and phones on a record's page (each reveal audited)."""
        return self.is_superuser or self.role in {
            self.Role.TOWNSHIP_STAFF,
            self.Role.VILLAGE_DOCTOR,
            self.Role.COUNTY_BUREAU,
            self.Role.ADMIN,
        }


class FileDownloadLog(models.Model):
    """Every download of a file a user uploaded (import workbooks and their error reports,
    proofs, evidence photos), and by whom: these files hold personal data in full."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.CharField(_("file"), max_length=255)
    downloaded_at = models.DateTimeField(_("downloaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("download of an uploaded file")
        verbose_name_plural = _("downloads of uploaded files")
        ordering = ["-downloaded_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.file} {self.downloaded_at:%Y-%m-%d %H:%M}"


class ExportReveal(models.Model):
    """Every export that carried full ID numbers and phones: who, when, which, how many rows.

    A record page's reveal is logged per person (``households.models.RevealLog``); an export
    reveals many persons at once, so it is logged once per file.
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    export = models.CharField(_("export"), max_length=100)
    parameters = models.CharField(_("parameters"), max_length=500, blank=True)
    rows = models.PositiveIntegerField(_("rows"))
    revealed_at = models.DateTimeField(_("revealed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("export with full personal data")
        verbose_name_plural = _("exports with full personal data")
        ordering = ["-revealed_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.export} {self.rows} {self.revealed_at:%Y-%m-%d %H:%M}"

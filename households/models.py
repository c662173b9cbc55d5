"""The registry: poverty households and their members (建档立卡贫困户 / 贫困人口).

Nobody is deleted: status changes and departures from a roster are kept as dated history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from healthpov.choices import ChoiceLabels
from healthpov.places.models import Place
from healthpov.places.scoping import ScopedQuerySet
from households.idnumber import validate_resident_id


class HouseholdType(models.TextChoices):
    GENERAL = "general", _("General poor household")  # 一般贫困户
    LOW_INCOME = "low_income", _("Subsistence-allowance household")  # 低保贫困户
    DESTITUTE = "destitute", _("Destitute-support household")  # 特困供养贫困户


class PovertyStatus(models.TextChoices):
    NOT_OUT = "not_out", _("Not out of poverty")  # 未脱贫
    OUT = "out", _("Out of poverty")  # 已脱贫
    UNSTABLE = "unstable", _("Out but unstable")  # 脱贫不稳定户
    MARGINAL = "marginal", _("Marginal, prone to poverty")  # 边缘易致贫户
    SUDDEN_HARDSHIP = "sudden_hardship", _("Sudden severe hardship")  # 突发严重困难户


class Cause(models.TextChoices):
    ILLNESS = "illness", _("Illness")  # 因病
    DISABILITY = "disability", _("Disability")  # 因残
    EDUCATION = "education", _("Schooling")  # 因学
    DISASTER = "disaster", _("Disaster")  # 因灾
    LABOUR = "labour", _("Lack of labour")  # 缺劳力
    SKILLS = "skills", _("Lack of skills")  # 缺技术
    FUNDS = "funds", _("Lack of funds")  # 缺资金
    LAND = "land", _("Lack of land")  # 缺土地
    WATER = "water", _("Lack of water")  # 缺水
    TRANSPORT = "transport", _("Poor transport")  # 交通条件落后
    MOTIVATION = "motivation", _("Lack of motivation")  # 自身发展动力不足


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")  # 户主
    SPOUSE = "spouse", _("Spouse")  # 配偶
    SON = "son", _("Son")  # 之子
    DAUGHTER = "daughter", _("Daughter")  # 之女
    FATHER = "father", _("Father")  # 之父
    MOTHER = "mother", _("Mother")  # 之母
    GRANDSON = "grandson", _("Grandson")  # 之孙子
    GRANDDAUGHTER = "granddaughter", _("Granddaughter")  # 之孙女
    DAUGHTER_IN_LAW = "daughter_in_law", _("Daughter-in-law")  # 之儿媳
    SON_IN_LAW = "son_in_law", _("Son-in-law")  # 之女婿
    OTHER = "other", _("Other")  # 其他


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Health(models.TextChoices):
    HEALTHY = "healthy", pgettext_lazy("health status", "Healthy")  # 健康
    CHRONIC = "chronic", pgettext_lazy("health status", "Long-term chronic disease")  # 长期慢性病
    MAJOR = "major", pgettext_lazy("health status", "Major illness")  # 患有大病
    DISABLED = "disabled", pgettext_lazy("health status", "Disabled")  # 残疾


class PersonStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")  # 正常
    DIED = "died", _("Died")  # 死亡
    MOVED_OUT = "moved_out", _("Moved out")  # 外迁
    MARRIED_OUT = "married_out", _("Married out")  # 外嫁
    MISSING = "missing", _("Whereabouts unknown")  # 下落不明
    AWAY = "away", _("Away long-term")  # 长期外出
    PRISON = "prison", _("Serving a sentence")  # 服刑
    ARMY = "army", _("Joined the army")  # 参军


class Household(ChoiceLabels, models.Model):
    number = models.CharField(_("household number"), max_length=40, unique=True)
    township = models.ForeignKey(
        Place, verbose_name=_("township"), on_delete=models.PROTECT, related_name="+"
    )
    # No index of its own: the (village, poverty_status) index below serves village lookups.
    village = models.ForeignKey(
        Place,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="households",
        db_index=False,
    )
    head_name = models.CharField(_("head of household"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    registration_year = models.PositiveSmallIntegerField(
        _("registration year"), null=True, blank=True
    )
    household_type = models.CharField(
        _("household type"),
        max_length=20,
        choices=HouseholdType.choices,
        default=HouseholdType.GENERAL,
    )
    poverty_status = models.CharField(
        _("poverty status"),
        max_length=20,
        choices=PovertyStatus.choices,
        default=PovertyStatus.NOT_OUT,
    )
    main_cause = models.CharField(_("main cause"), max_length=20, choices=Cause.choices, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "village"

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["number"]
        indexes = [models.Index(fields=["village", "poverty_status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.head_name}".strip()


class Person(ChoiceLabels, models.Model):
    id_number = models.CharField(
        _("resident ID number"), max_length=18, unique=True, validators=[validate_resident_id]
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members"
    )
    relation = models.CharField(_("relation to head"), max_length=20, choices=Relation.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    insured = models.BooleanField(_("insured"), default=True)
    health = models.CharField(
        _("health"), max_length=20, choices=Health.choices, default=Health.HEALTHY
    )
    status = models.CharField(
        _("person status"), max_length=20, choices=PersonStatus.choices, default=PersonStatus.NORMAL
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Indexed only where set (see Meta): rows imported by a command have none.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "household__village"

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["household__number", "id"]
        indexes = [
            models.Index(
                fields=["created_by"],
                condition=models.Q(created_by__isnull=False),
                name="person_created_by_set",
            ),
            # The rare statuses (died, moved out...): a roster filtered by one reads a few
            # rows instead of every person of the scope (``selectors.person_search``).
            models.Index(
                fields=["status"],
                condition=~models.Q(status=PersonStatus.NORMAL),
                name="person_status_not_normal",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ChangeSource(models.TextChoices):
    IMPORT = "import", _("Roster import")
    STAFF = "staff", _("Staff edit")


class ImportBatch(ChoiceLabels, models.Model):
    """One uploaded file of one ledger kind, from upload through preview to apply.

    The file's SHA-256 is kept so the same file imported twice is recognised (and changes
    nothing the second time).
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        REJECTED = "rejected", _("Rejected")
        APPLYING = "applying", _("Importing")
        APPLIED = "applied", _("Imported")
        FAILED = "failed", _("Failed")
        UNDONE = "undone", _("Undone")

    kind = models.CharField(_("kind"), max_length=50)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    options = models.JSONField(_("options"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UPLOADED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    file_error = models.TextField(_("file error"), blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    valid_rows_only = models.BooleanField(_("valid rows only"), default=False)
    # The Celery task id that claimed the apply. A message redelivered after its worker died
    # carries the same id and may take over; any other (duplicate) task may not.
    apply_claim = models.CharField(_("apply claim"), max_length=255, blank=True, editable=False)
    place = models.ForeignKey(
        Place,
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    # What the check found beyond counts and errors (the roster: who would leave it, and
    # whether that needs the typed number to apply); see RosterLedger.preview.
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    # The apply kept what it changed (an ImportUndoRecord, when anything changed), so the
    # batch can be undone; batches applied before undo existed cannot.
    undoable = models.BooleanField(_("can be undone"), default=False, editable=False)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    # The uploader's place: a batch is seen by whoever sees the place it was uploaded for.
    scope_place_lookup = "place"

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.kind})"


class ImportUndoRecord(models.Model):
    """What an applied roster batch changed, kept so it can be undone exactly.

    ``changes`` (written once by the apply, in its transaction) holds the ids of the
    households and persons it created, the stored values of those it changed (before-images,
    as the database returned them), the roster entries it closed or reopened and the persons
    whose existing entry it created. Entries and status changes it created carry the batch
    and need no list.
    """

    batch = models.OneToOneField(
        ImportBatch,
        verbose_name=_("import"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="undo_record",
    )
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("undo record of an import")
        verbose_name_plural = _("undo records of imports")

    def __str__(self) -> str:
        return str(self.batch_id)


class StatusChange(ChoiceLabels, models.Model):
    """A dated change of a person's or household's status, household or place."""

    class Field(models.TextChoices):
        PERSON_STATUS = "person_status", _("person status")
        POVERTY_STATUS = "poverty_status", _("poverty status")
        HOUSEHOLD = "household", _("household")
        VILLAGE = "village", _("village")
        ROSTER = "roster", _("roster")
        # Other fields a roster import changed (a person's, or a household's when no person).
        NAME = "name", pgettext_lazy("person", "name")
        RELATION = "relation", _("relation to head")
        PHONE = "phone", _("phone")
        INSURED = "insured", _("insured")
        HEALTH = "health", _("health")
        HEAD_NAME = "head_name", _("head of household")
        REGISTRATION_YEAR = "registration_year", _("registration year")
        HOUSEHOLD_TYPE = "household_type", _("household type")
        MAIN_CAUSE = "main_cause", _("main cause")

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="status_changes",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="status_changes",
    )
    field = models.CharField(_("what changed"), max_length=20, choices=Field.choices)
    old_value = models.CharField(_("from"), max_length=100, blank=True)
    new_value = models.CharField(_("to"), max_length=100, blank=True)
    changed_on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=ChangeSource.choices)
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="status_changes",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "household__village"

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-changed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"


class RosterEntry(models.Model):
    """A person appears on the roster of ``year``; ``left_on`` is set when a newer roster of
    the same year no longer lists them (they are never deleted)."""

    # No index of its own: the unique (person, year) index serves person lookups.
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="roster_entries",
        db_index=False,
    )
    year = models.PositiveSmallIntegerField(_("roster year"))
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    left_on = models.DateField(_("left the roster on"), null=True, blank=True)
    # Indexed only where set (see Meta): most entries never leave.
    left_batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("left with import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "person__household__village"

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="roster_entry_unique_year")
        ]
        indexes = [
            models.Index(fields=["year", "left_on"]),
            models.Index(
                fields=["left_batch"],
                condition=models.Q(left_batch__isnull=False),
                name="roster_entry_left_batch_set",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}"

    # The rule "on the year's roster as of a date", in its two forms:
    # ``current_on_q`` for SQL, ``is_current_on`` for one loaded entry; the year is the
    # entry's own. households.selectors.roster_entries/roster_persons build on the Q.

    @staticmethod
    def current_on_q(as_of, *, prefix: str = "") -> models.Q:
        """The entry had not left its roster by ``as_of`` (``prefix``: path to the entry)."""
        return models.Q(**{f"{prefix}left_on__isnull": True}) | models.Q(
            **{f"{prefix}left_on__gt": as_of}
        )

    def is_current_on(self, as_of) -> bool:
        return self.left_on is None or self.left_on > as_of


class RevealLog(models.Model):
    """Every time a full ID number or phone was revealed on a page, and to whom."""

    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="+"
    )
    field = models.CharField(_("field"), max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    revealed_at = models.DateTimeField(_("revealed at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "household__village"

    class Meta:
        verbose_name = _("reveal of personal data")
        verbose_name_plural = _("reveals of personal data")
        ordering = ["-revealed_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.field} {self.revealed_at:%Y-%m-%d %H:%M}"

"""Family-doctor signing (家庭医生签约服务); also the yearly disease catalogue other apps use.

Records here belong to a person of the registry, so they are scoped through the person's
village (``person__household__village``). Teams are scoped through their health centre.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from healthpov.choices import ChoiceLabels
from healthpov.places.models import Institution, Place
from healthpov.places.scoping import ScopedQuerySet
from healthpov.statements import cached_rows

PERSON_SCOPE = "person__household__village"


class ChronicKind(models.TextChoices):
    """The four key chronic diseases that must be signed and followed up every quarter."""

    HYPERTENSION = "hypertension", _("Hypertension")  # 高血压
    DIABETES = "diabetes", _("Type 2 diabetes")  # 2型糖尿病
    TUBERCULOSIS = "tuberculosis", _("Tuberculosis")  # 肺结核
    MENTAL = "mental", _("Severe mental disorder")  # 严重精神障碍


class Disease(ChoiceLabels, models.Model):
    """One disease of a year's catalogue, with what the policy of that year requires for it."""

    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=100)
    is_special_outpatient = models.BooleanField(
        _("special outpatient disease"),
        default=False,
        help_text=_("Needs a special-disease booklet."),
    )
    is_key_chronic = models.BooleanField(
        _("key chronic disease"), default=False, help_text=_("Needs a follow-up every quarter.")
    )
    chronic_kind = models.CharField(
        _("key chronic kind"),
        max_length=20,
        choices=ChronicKind.choices,
        blank=True,
        help_text=_("Which of the four key chronic diseases this is (used by the indicators)."),
    )
    is_major_illness = models.BooleanField(_("major illness"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("catalogued disease")
        verbose_name_plural = _("disease catalogue")
        ordering = ["year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="disease_unique_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class FulfilmentKind(models.TextChoices):
    BROCHURE = "brochure", _("Policy brochure")  # 宣传册 (per household)
    REMINDER_SLIP = "reminder_slip", _("Reminder slip")  # 温馨提示单
    POLICY_PUBLICITY = "policy_publicity", _("Policy publicity")  # 政策宣传
    FOLLOW_UP = "follow_up", _("Follow-up visit")  # 随访
    BOOKLET_HELP = "booklet_help", _("Help with a special-disease booklet")  # 协助办理病种簿
    PACKAGE_SERVICE = "package_service", _("Package service")  # 签约服务包


#: Items a year's policy may require of every signed person: the fulfilment kinds plus a
#: health check (which has its own record).
HEALTH_CHECK_ITEM = "health_check"
REQUIRED_ITEM_CHOICES = [*FulfilmentKind.choices, (HEALTH_CHECK_ITEM, _("Health check"))]


class YearPolicy(models.Model):
    """Yearly policy parameters of the signing work, edited by an administrator."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    required_items = models.JSONField(
        _("required fulfilment items"),
        default=list,
        blank=True,
        help_text=_("What every signed person must receive in the year."),
    )
    followups_per_year = models.PositiveSmallIntegerField(
        _("follow-ups per year for chronic patients"),
        default=4,
        validators=[MinValueValidator(1)],
        help_text=_("4 means one every quarter; must divide 12."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("yearly signing policy")
        verbose_name_plural = _("yearly signing policies")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)

    def clean(self) -> None:
        if self.followups_per_year and 12 % self.followups_per_year:
            raise ValidationError(
                {"followups_per_year": _("Must divide 12 (1, 2, 3, 4, 6 or 12).")}
            )
        valid = {code for code, _label in REQUIRED_ITEM_CHOICES}
        unknown = [item for item in self.required_items or [] if item not in valid]
        if unknown:
            raise ValidationError({"required_items": _("Unknown items: %s") % ", ".join(unknown)})

    @classmethod
    def for_year(cls, year: int) -> YearPolicy:
        """The policy in force in ``year``: its own, else the newest earlier year's (as saved),
        else the default one (not saved) when none was ever set."""
        # A statement built once per process (healthpov.statements): the follow-up pages ask
        # for it on every request.
        found = cached_rows("year policy in force", cls, _policies_by, year=year)
        policy = found[0] if found else None
        if policy is None:
            policy = cls(
                year=year, required_items=list(DEFAULT_REQUIRED_ITEMS), followups_per_year=4
            )
        return policy


def _policies_by(year: int) -> models.QuerySet[YearPolicy]:
    """The newest policy of ``year`` or before (``YearPolicy.for_year``)."""
    return YearPolicy.objects.filter(year__lte=year).order_by("-year")[:1]


DEFAULT_REQUIRED_ITEMS = (
    FulfilmentKind.BROCHURE.value,
    FulfilmentKind.REMINDER_SLIP.value,
    FulfilmentKind.POLICY_PUBLICITY.value,
    HEALTH_CHECK_ITEM,
)


class ServicePackage(models.Model):
    """A signing package of a year (基础包, B1, B2...) with its fee, make-up and payer."""

    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=50)
    fee = models.DecimalField(_("fee (yuan)"), max_digits=8, decimal_places=2, default=0)
    services = models.TextField(_("services included"), blank=True)
    fee_makeup = models.TextField(_("fee make-up"), blank=True)
    payer = models.CharField(_("who pays"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service package")
        verbose_name_plural = _("service packages")
        ordering = ["year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="package_unique_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class Team(models.Model):
    """A family-doctor team of a township health centre, covering a set of villages."""

    name = models.CharField(_("name"), max_length=100)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("health centre"),
        on_delete=models.PROTECT,
        related_name="signing_teams",
    )
    lead_doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead doctor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_signing_teams",
    )
    lead_doctor_name = models.CharField(_("lead doctor (name)"), max_length=50, blank=True)
    villages = models.ManyToManyField(
        Place, verbose_name=_("covered villages"), blank=True, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[villages])

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "institution__place"

    class Meta:
        verbose_name = _("family-doctor team")
        verbose_name_plural = _("family-doctor teams")
        ordering = ["institution__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "name"], name="team_unique_name_in_institution"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def lead_display(self) -> str:
        if self.lead_doctor_id:
            return self.lead_doctor.get_full_name() or self.lead_doctor.username
        return self.lead_doctor_name


class TeamMember(ChoiceLabels, models.Model):
    class Role(models.TextChoices):
        DOCTOR = "doctor", _("Doctor")
        NURSE = "nurse", _("Nurse")
        VILLAGE_DOCTOR = "village_doctor", _("Village doctor")
        PUBLIC_HEALTH = "public_health", _("Public-health staff")

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signing_team_memberships",
    )
    name = models.CharField(
        pgettext_lazy("person", "name"),
        max_length=50,
        blank=True,
        help_text=_("For staff without a user."),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.DOCTOR)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "team__institution__place"

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team", "role", "name"]

    def __str__(self) -> str:
        if self.user_id:
            return self.user.get_full_name() or self.user.username
        return self.name


class SignMethod(models.TextChoices):
    PAPER = "paper", _("Paper")  # 纸质
    ELECTRONIC = "electronic", _("Electronic")  # 电子


class Contract(ChoiceLabels, models.Model):
    """A person's family-doctor contract for one service year."""

    person = models.ForeignKey(
        "households.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="contracts",
        db_index=False,  # the unique (person, ...) index below serves person lookups
    )
    year = models.PositiveSmallIntegerField(_("service year"))
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    team_name = models.CharField(_("team (as written)"), max_length=100, blank=True)
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible doctor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signing_contracts",
    )
    doctor_name = models.CharField(_("doctor (as written)"), max_length=50, blank=True)
    signed_on = models.DateField(_("date signed"))
    valid_until = models.DateField(_("valid until"))
    method = models.CharField(
        _("method"), max_length=12, choices=SignMethod.choices, default=SignMethod.PAPER
    )
    package = models.ForeignKey(
        ServicePackage,
        verbose_name=_("service package"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    package_name = models.CharField(_("package (as written)"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = PERSON_SCOPE

    class Meta:
        verbose_name = _("signing contract")
        verbose_name_plural = _("signing contracts")
        ordering = ["-year", "person__household__number", "person_id"]
        constraints = [
            # Covering: coverage reads a year's contracts in person order from this index
            # alone (coverage.selectors.figures_sql). SQLite cannot build it and gets a
            # plain one instead (migrations/0006_person_indexes_on_sqlite.py), as do the
            # other covering constraints below.
            models.UniqueConstraint(
                fields=["person", "year"],
                include=["signed_on", "method"],
                name="contract_unique_per_person_year",
            )
        ]
        indexes = [models.Index(fields=["year", "method"]), models.Index(fields=["valid_until"])]

    def __str__(self) -> str:
        return f"{self.person} {self.year}"

    @property
    def is_electronic(self) -> bool:
        return self.method == SignMethod.ELECTRONIC

    @property
    def team_display(self) -> str:
        return self.team.name if self.team_id else self.team_name

    @property
    def doctor_display(self) -> str:
        if self.doctor_id:
            return self.doctor.get_full_name() or self.doctor.username
        return self.doctor_name

    @property
    def package_display(self) -> str:
        return self.package.name if self.package_id else self.package_name


class UnsignedReason(models.TextChoices):
    AWAY = "away", _("Away long-term or unreachable")  # 长期外出或无法联系
    DIED = "died", _("Died")  # 死亡
    MOVED = "moved", _("Moved out")  # 外迁
    MISSING = "missing", _("Whereabouts unknown")  # 下落不明
    MARRIED = "married", _("Married out")  # 外嫁
    REFUSED = "refused", _("Refused to sign")  # 拒签


class UnsignedRecord(ChoiceLabels, models.Model):
    """Why a roster person has no contract in a year, with the contact attempt as evidence."""

    person = models.ForeignKey(
        "households.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="unsigned_records",
        db_index=False,  # the unique (person, ...) index below serves person lookups
    )
    year = models.PositiveSmallIntegerField(_("year"))
    reason = models.CharField(_("reason"), max_length=12, choices=UnsignedReason.choices)
    recorded_on = models.DateField(_("date recorded"))
    contact_note = models.TextField(_("contact attempt"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = PERSON_SCOPE

    class Meta:
        verbose_name = _("not-signed record")
        verbose_name_plural = _("not-signed records")
        ordering = ["-year", "person_id"]
        constraints = [
            models.UniqueConstraint(  # covering, as Contract's
                fields=["person", "year"],
                include=["recorded_on", "reason"],
                name="unsigned_unique_per_person_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.year} {self.get_reason_display()}"


class ChronicRegistration(models.Model):
    """A person registered with a key chronic disease (followed up every quarter)."""

    person = models.ForeignKey(
        "households.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="chronic_registrations",
        db_index=False,  # the unique (person, ...) index below serves person lookups
    )
    disease = models.ForeignKey(
        Disease,
        verbose_name=_("disease"),
        on_delete=models.PROTECT,
        related_name="chronic_registrations",
        limit_choices_to={"is_key_chronic": True},
    )
    diagnosed_on = models.DateField(_("date diagnosed"))
    managing_doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("managing doctor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    managing_doctor_name = models.CharField(
        _("managing doctor (as written)"), max_length=50, blank=True
    )
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = PERSON_SCOPE

    class Meta:
        verbose_name = _("chronic-disease registration")
        verbose_name_plural = _("chronic-disease registrations")
        ordering = ["person_id", "diagnosed_on"]
        constraints = [
            models.UniqueConstraint(  # covering, as Contract's
                fields=["person", "disease"],
                include=["diagnosed_on"],
                name="chronic_unique_person_disease",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.disease.name}"


class FulfilmentRecord(ChoiceLabels, models.Model):
    """Something the team delivered to a person (a brochure is recorded once per household)."""

    person = models.ForeignKey(
        "households.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="fulfilments",
    )
    kind = models.CharField(_("service"), max_length=20, choices=FulfilmentKind.choices)
    served_on = models.DateField(_("date"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    staff_name = models.CharField(_("staff (as written)"), max_length=50, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = PERSON_SCOPE

    class Meta:
        verbose_name = _("fulfilment record")
        verbose_name_plural = _("fulfilment records")
        ordering = ["-served_on", "-id"]
        indexes = [
            models.Index(fields=["kind", "served_on"]),
            models.Index(fields=["person", "kind", "served_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()} {self.served_on}"

    @property
    def staff_display(self) -> str:
        if self.staff_id:
            return self.staff.get_full_name() or self.staff.username
        return self.staff_name


class HealthCheck(models.Model):
    person = models.ForeignKey(
        "households.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="health_checks",
        db_index=False,  # the (person, checked_on) index below serves person lookups
    )
    checked_on = models.DateField(_("date checked"))
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    institution_name = models.CharField(_("institution (as written)"), max_length=150, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    abnormal_findings = models.TextField(_("abnormal findings"), blank=True)
    fed_back = models.BooleanField(_("results fed back"), default=False)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = PERSON_SCOPE

    class Meta:
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        ordering = ["-checked_on", "-id"]
        indexes = [
            models.Index(fields=["checked_on"]),
            # Coverage reads a year's checks in person order from this index alone.
            models.Index(fields=["person", "checked_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.checked_on}"

    @property
    def institution_display(self) -> str:
        return self.institution.name if self.institution_id else self.institution_name


class SpecialDiseaseDiagnosis(models.Model):
    """A person diagnosed with a catalogued outpatient special disease: they need a booklet."""

    person = models.ForeignKey(
        "households.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="special_diagnoses",
        db_index=False,  # the unique (person, ...) index below serves person lookups
    )
    disease = models.ForeignKey(
        Disease,
        verbose_name=_("disease"),
        on_delete=models.PROTECT,
        related_name="special_diagnoses",
        limit_choices_to={"is_special_outpatient": True},
    )
    diagnosed_on = models.DateField(_("date diagnosed"))
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = PERSON_SCOPE

    class Meta:
        verbose_name = _("special-disease diagnosis")
        verbose_name_plural = _("special-disease diagnoses")
        ordering = ["person_id", "diagnosed_on"]
        constraints = [
            models.UniqueConstraint(  # covering, as Contract's
                fields=["person", "disease"],
                include=["diagnosed_on"],
                name="special_unique_person_disease",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.disease.name}"


class BookletStatus(models.TextChoices):
    PENDING = "pending", _("Not applied")  # 未办理
    APPLIED = "applied", _("Applied")  # 已申请
    ISSUED = "issued", _("Issued")  # 已办理


class Booklet(ChoiceLabels, models.Model):
    """The special-disease booklet (特殊病种簿) of one diagnosis. Expired counts as pending."""

    diagnosis = models.OneToOneField(
        SpecialDiseaseDiagnosis,
        verbose_name=_("diagnosis"),
        on_delete=models.PROTECT,
        related_name="booklet",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=BookletStatus.choices, default=BookletStatus.PENDING
    )
    applied_on = models.DateField(_("date applied"), null=True, blank=True)
    number = models.CharField(_("booklet number"), max_length=50, blank=True)
    issued_on = models.DateField(_("date issued"), null=True, blank=True)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "diagnosis__person__household__village"

    class Meta:
        verbose_name = _("special-disease booklet")
        verbose_name_plural = _("special-disease booklets")
        ordering = ["diagnosis_id"]

    def __str__(self) -> str:
        return f"{self.diagnosis} {self.get_status_display()}"

    # The rule "booklet valid on a date" in its two forms: ``valid_on_q`` for SQL,
    # ``is_valid_on`` for one booklet (tests/signing check that both agree).

    @staticmethod
    def valid_on_q(day: datetime.date, *, prefix: str = "") -> models.Q:
        """Issued by ``day`` and not expired on it (``prefix``: the path to the booklet, e.g.
        ``"booklet__"`` from a diagnosis)."""
        return models.Q(
            **{
                f"{prefix}status": BookletStatus.ISSUED,
                f"{prefix}issued_on__lte": day,
            }
        ) & (
            models.Q(**{f"{prefix}expires_on__isnull": True})
            | models.Q(**{f"{prefix}expires_on__gte": day})
        )

    def is_valid_on(self, day: datetime.date) -> bool:
        """Issued, and not expired on ``day`` (an expired booklet counts as pending again)."""
        return (
            self.status == BookletStatus.ISSUED
            and self.issued_on is not None
            and self.issued_on <= day
            and (self.expires_on is None or self.expires_on >= day)
        )

    def effective_status(self, day: datetime.date) -> str:
        if self.status == BookletStatus.ISSUED and not self.is_valid_on(day):
            return BookletStatus.PENDING
        return self.status


# --- the follow-up visit as the national records have it --------------------------------------
# (the follow-up records of hypertension and type 2 diabetes patients)


class VisitMethod(models.TextChoices):
    CLINIC = "clinic", pgettext_lazy("follow-up visit", "Clinic")  # 门诊
    HOME = "home", pgettext_lazy("follow-up visit", "Home visit")  # 家庭
    PHONE = "phone", pgettext_lazy("follow-up visit", "Phone")  # 电话


class Symptom(models.TextChoices):
    NONE = "none", pgettext_lazy("follow-up visit", "No symptoms")  # 无症状
    # hypertension
    HEADACHE_DIZZINESS = (
        "headache_dizziness",
        pgettext_lazy("follow-up visit", "Headache, dizziness"),
    )  # 头痛头晕
    NAUSEA_VOMITING = (
        "nausea_vomiting",
        pgettext_lazy("follow-up visit", "Nausea, vomiting"),
    )  # 恶心呕吐
    VISION_TINNITUS = (
        "vision_tinnitus",
        pgettext_lazy("follow-up visit", "Blurred vision, tinnitus"),
    )  # 眼花耳鸣
    DYSPNOEA = "dyspnoea", pgettext_lazy("follow-up visit", "Difficulty breathing")  # 呼吸困难
    PALPITATIONS = (
        "palpitations",
        pgettext_lazy("follow-up visit", "Palpitations, chest tightness"),
    )  # 心悸胸闷
    NOSEBLEED = (
        "nosebleed",
        pgettext_lazy("follow-up visit", "Nosebleed that does not stop"),
    )  # 鼻衄出血不止
    LIMB_NUMBNESS = "limb_numbness", pgettext_lazy("follow-up visit", "Numb limbs")  # 四肢发麻
    LEG_OEDEMA = (
        "leg_oedema",
        pgettext_lazy("follow-up visit", "Oedema of the lower limbs"),
    )  # 下肢水肿
    # type 2 diabetes
    POLYDIPSIA = "polydipsia", pgettext_lazy("follow-up visit", "Drinking much")  # 多饮
    POLYPHAGIA = "polyphagia", pgettext_lazy("follow-up visit", "Eating much")  # 多食
    POLYURIA = "polyuria", pgettext_lazy("follow-up visit", "Urinating much")  # 多尿
    BLURRED_VISION = (
        "blurred_vision",
        pgettext_lazy("follow-up visit", "Blurred vision"),
    )  # 视力模糊
    INFECTION = "infection", pgettext_lazy("follow-up visit", "Infection")  # 感染
    HAND_FOOT_NUMBNESS = (
        "hand_foot_numbness",
        pgettext_lazy("follow-up visit", "Numb hands and feet"),
    )  # 手脚麻木
    LEG_SWELLING = (
        "leg_swelling",
        pgettext_lazy("follow-up visit", "Swelling of the lower limbs"),
    )  # 下肢浮肿
    WEIGHT_LOSS = (
        "weight_loss",
        pgettext_lazy("follow-up visit", "Marked weight loss"),
    )  # 体重明显下降


HYPERTENSION_SYMPTOMS = (
    Symptom.NONE,
    Symptom.HEADACHE_DIZZINESS,
    Symptom.NAUSEA_VOMITING,
    Symptom.VISION_TINNITUS,
    Symptom.DYSPNOEA,
    Symptom.PALPITATIONS,
    Symptom.NOSEBLEED,
    Symptom.LIMB_NUMBNESS,
    Symptom.LEG_OEDEMA,
)
DIABETES_SYMPTOMS = (
    Symptom.NONE,
    Symptom.POLYDIPSIA,
    Symptom.POLYPHAGIA,
    Symptom.POLYURIA,
    Symptom.BLURRED_VISION,
    Symptom.INFECTION,
    Symptom.HAND_FOOT_NUMBNESS,
    Symptom.LEG_SWELLING,
    Symptom.WEIGHT_LOSS,
)


class Adherence(models.TextChoices):
    REGULAR = "regular", pgettext_lazy("follow-up visit", "Regular")  # 规律
    INTERMITTENT = "intermittent", pgettext_lazy("follow-up visit", "Intermittent")  # 间断
    NONE = "none", pgettext_lazy("follow-up visit", "Not taking")  # 不服药


class VisitClassification(models.TextChoices):
    SATISFACTORY = (
        "satisfactory",
        pgettext_lazy("follow-up visit", "Control satisfactory"),
    )  # 控制满意
    UNSATISFACTORY = (
        "unsatisfactory",
        pgettext_lazy("follow-up visit", "Control unsatisfactory"),
    )  # 控制不满意
    ADVERSE_REACTION = (
        "adverse_reaction",
        pgettext_lazy("follow-up visit", "Adverse drug reaction"),
    )  # 不良反应
    COMPLICATION = "complication", pgettext_lazy("follow-up visit", "Complication")  # 并发症


#: Classifications after which the next follow-up is due within two weeks
#: (the rule itself: signing/followups.py).
UNSATISFACTORY_CLASSIFICATIONS = (
    VisitClassification.UNSATISFACTORY,
    VisitClassification.ADVERSE_REACTION,
    VisitClassification.COMPLICATION,
)

#: Plausible values (low, high, unit) of the measured fields; outside them a value is refused.
VISIT_RANGES: dict[str, tuple[int, int, str]] = {
    "systolic": (50, 300, "mmHg"),
    "diastolic": (30, 200, "mmHg"),
    "weight_kg": (20, 300, "kg"),
    "height_cm": (100, 250, "cm"),
    "bmi": (10, 60, "kg/m²"),
    "fasting_glucose": (1, 35, "mmol/L"),
    "cigarettes_per_day": (0, 100, ""),
    "alcohol_per_day": (0, 50, ""),
    "exercise_per_week": (0, 21, ""),
    "exercise_minutes": (0, 600, ""),
}


class FollowUpVisit(ChoiceLabels, models.Model):
    """What a follow-up visit (a :class:`FulfilmentRecord` of kind ``follow_up``) found, as the
    national follow-up records of hypertension and type 2 diabetes patients have it. Every
    value is optional: ledgers often carry only some of them."""

    record = models.OneToOneField(
        FulfilmentRecord,
        verbose_name=_("follow-up record"),
        on_delete=models.CASCADE,
        related_name="visit",
    )
    method = models.CharField(
        _("follow-up method"), max_length=10, choices=VisitMethod.choices, blank=True
    )
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    symptoms_other = models.CharField(_("other symptoms"), max_length=200, blank=True)
    systolic = models.PositiveSmallIntegerField(_("systolic pressure"), null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(_("diastolic pressure"), null=True, blank=True)
    weight_kg = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    height_cm = models.DecimalField(
        _("height"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    bmi = models.DecimalField(
        _("body mass index"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    fasting_glucose = models.DecimalField(
        _("fasting blood glucose"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    cigarettes_per_day = models.PositiveSmallIntegerField(
        _("cigarettes per day"), null=True, blank=True
    )
    alcohol_per_day = models.DecimalField(
        _("alcohol per day (liang)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    exercise_per_week = models.PositiveSmallIntegerField(
        _("exercise sessions per week"), null=True, blank=True
    )
    exercise_minutes = models.PositiveSmallIntegerField(
        _("minutes per session"), null=True, blank=True
    )
    adherence = models.CharField(
        _("medication adherence"), max_length=12, choices=Adherence.choices, blank=True
    )
    adverse_reaction = models.BooleanField(_("adverse drug reaction"), default=False)
    adverse_reaction_note = models.CharField(
        _("adverse reaction (what)"), max_length=200, blank=True
    )
    classification = models.CharField(
        _("classification of this visit"),
        max_length=20,
        choices=VisitClassification.choices,
        blank=True,
    )
    referral_reason = models.CharField(_("referral reason"), max_length=200, blank=True)
    referral_institution = models.CharField(
        _("referred to (institution)"), max_length=150, blank=True
    )
    next_visit_on = models.DateField(_("next follow-up date"), null=True, blank=True)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "record__person__household__village"

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["record_id"]

    def __str__(self) -> str:
        return str(self.record)

    @property
    def is_unsatisfactory(self) -> bool:
        return self.classification in UNSATISFACTORY_CLASSIFICATIONS

    def symptom_labels(self) -> list[str]:
        labels = dict(Symptom.choices)
        names = [str(labels.get(code, code)) for code in self.symptoms or []]
        if self.symptoms_other:
            names.append(self.symptoms_other)
        return names

    def compute_bmi(self) -> None:
        """BMI from weight and height when both are given (a BMI given alone is kept)."""
        if self.weight_kg is not None and self.height_cm:
            metres = Decimal(self.height_cm) / 100
            self.bmi = (Decimal(self.weight_kg) / (metres * metres)).quantize(Decimal("0.1"))

    def value_errors(self, served_on: datetime.date | None) -> dict[str, list[str]]:
        """Implausible values, by field, each message naming its field (the form, the API and
        the follow-up ledger show them on the field or the column)."""
        errors: dict[str, list[str]] = {}

        def add(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        for name, (low, high, unit) in VISIT_RANGES.items():
            value = getattr(self, name)
            if value is not None and not low <= value <= high:
                add(
                    name,
                    _("%(field)s must be between %(low)s and %(high)s%(unit)s (given: %(value)s).")
                    % {
                        "field": self._meta.get_field(name).verbose_name,
                        "low": low,
                        "high": high,
                        "unit": f" {unit}" if unit else "",
                        "value": value,
                    },
                )
        if (
            self.systolic is not None
            and self.diastolic is not None
            and "systolic" not in errors
            and self.systolic <= self.diastolic
        ):
            add(
                "diastolic",
                _("The systolic pressure (%(sys)s) must be higher than the diastolic (%(dia)s).")
                % {"sys": self.systolic, "dia": self.diastolic},
            )
        unknown = [s for s in self.symptoms or [] if s not in Symptom.values]
        if unknown:
            add("symptoms", _("Unknown symptoms: %(codes)s.") % {"codes": ", ".join(unknown)})
        if Symptom.NONE in (self.symptoms or []) and len(self.symptoms) > 1:
            add("symptoms", _("Symptoms: “no symptoms” cannot go with other symptoms."))
        if self.next_visit_on and served_on and self.next_visit_on <= served_on:
            add(
                "next_visit_on",
                _("The next follow-up date must be after the date of the visit (%(day)s).")
                % {"day": served_on.isoformat()},
            )
        if self.adverse_reaction and not self.adverse_reaction_note.strip():
            add("adverse_reaction_note", _("Adverse drug reaction: say which reaction."))
        return errors

    def clean(self) -> None:
        errors = self.value_errors(self.record.served_on if self.record_id else None)
        if errors:
            raise ValidationError(errors)

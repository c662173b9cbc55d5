"""Major-illness special treatment (大病专项救治) and inpatient settlement (住院结算).

A case follows one registered person with a catalogued major disease through screening and
treatment (or a documented refusal); inpatient stays record what each hospital stay cost and
who paid for it, which is where the policy breaches (deposit taken, no one-stop settlement,
personal share above the cap) and the return-to-poverty risk come from.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import ExpressionWrapper, F, Q, Value
from django.db.models.expressions import CombinedExpression
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from healthpov.choices import ChoiceLabels
from healthpov.places.models import Institution
from healthpov.places.scoping import ScopedQuerySet
from signing.catalogue import catalogue_year_in_force

ZERO = Decimal("0.00")
NOT_NEGATIVE = MinValueValidator(ZERO, message=_("An amount cannot be negative."))
MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [NOT_NEGATIVE]}

# Wide enough for a total cost times a cap (SQL keeps the product's scale).
CAP_FIELD = models.DecimalField(max_digits=14, decimal_places=2)
BREACH_DEPOSIT, BREACH_NOT_ONE_STOP, BREACH_OVER_CAP = "deposit", "not_one_stop", "over_cap"

DEFAULT_PERSONAL_SHARE_CAP = Decimal("0.1000")
DEFAULT_RISK_THRESHOLD = Decimal("10000.00")
DEFAULT_REIMBURSEMENT_TARGET = Decimal("0.9000")


class TreatmentPolicy(models.Model):
    """The year's treatment parameters; a year without a row uses the defaults below."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    personal_share_cap = models.DecimalField(
        _("personal share cap"),
        max_digits=5,
        decimal_places=4,
        default=DEFAULT_PERSONAL_SHARE_CAP,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_(
            "A fraction: 0.1 means a stay's personal payment may be at most a tenth of its cost."
        ),
    )
    return_to_poverty_threshold = models.DecimalField(
        _("return-to-poverty risk threshold (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=DEFAULT_RISK_THRESHOLD,
        validators=[MinValueValidator(ZERO)],
        help_text=_(
            "Households whose members paid more than this themselves in 12 months are at risk."
        ),
    )
    reimbursement_target = models.DecimalField(
        _("inpatient reimbursement target"),
        max_digits=5,
        decimal_places=4,
        default=DEFAULT_REIMBURSEMENT_TARGET,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("treatment policy")
        verbose_name_plural = _("treatment policies")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)

    @classmethod
    def for_year(cls, year: int) -> TreatmentPolicy:
        """The parameters in force in ``year``: its own, else the newest earlier year's (as
        saved), else an unsaved row holding the defaults."""
        return cls.objects.filter(year__lte=year).order_by("-year").first() or cls(year=year)


class CaseStatus(models.TextChoices):
    SCREENED = "screened", _("Screened")  # 已排查
    IN_TREATMENT = "in_treatment", _("In treatment")  # 救治中
    TREATED = "treated", _("Treated")  # 已救治
    REFUSED = "refused", _("Refused")  # 拒绝
    DIED = "died", _("Died")  # 死亡


class MajorIllnessCase(ChoiceLabels, models.Model):
    person = models.ForeignKey(
        "households.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="major_illness_cases",
    )
    disease = models.ForeignKey(
        "signing.Disease",
        verbose_name=_("disease"),
        on_delete=models.PROTECT,
        related_name="major_illness_cases",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    screening_date = models.DateField(_("screening date"))
    hospital = models.ForeignKey(
        Institution,
        verbose_name=_("designated hospital"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="major_illness_cases",
    )
    hospital_name = models.CharField(
        _("designated hospital (as written)"),
        max_length=150,
        blank=True,
        help_text=_("Kept as text when the hospital is not a known institution."),
    )
    status = models.CharField(
        pgettext_lazy("treatment case", "status"),
        max_length=20,
        choices=CaseStatus.choices,
        default=CaseStatus.SCREENED,
    )
    treatment_date = models.DateField(_("treatment date"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    refusal_note = models.TextField(
        _("how the policy was explained"),
        blank=True,
        help_text=_("When, how and by whom the person was told the policy (e.g. a phone call)."),
    )
    refusal_proof = models.FileField(
        _("proof the policy was explained"),
        upload_to="treatment/refusals/%Y/%m/",
        blank=True,
        max_length=255,
    )
    refusal_proof_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proof uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "person__household__village"

    class Meta:
        verbose_name = _("major-illness case")
        verbose_name_plural = _("major-illness cases")
        ordering = ["-year", "person__household__number", "person_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "disease", "year"], name="major_illness_case_unique_per_year"
            ),
            models.CheckConstraint(
                condition=Q(treatment_date__isnull=True)
                | Q(treatment_date__gte=F("screening_date")),
                name="major_illness_case_treated_after_screening",
            ),
        ]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.disease.name if self.disease_id else ''}"

    @property
    def hospital_display(self) -> str:
        return self.hospital.name if self.hospital_id else self.hospital_name

    # The rules "case treated / refused / died", each in its two forms: a Q for SQL and a
    # property of one case (tests/treatment/test_models.py checks that they agree).

    @staticmethod
    def treated_q() -> Q:
        """Treated, or died after a recorded treatment (counts as treated)."""
        return Q(status=CaseStatus.TREATED) | Q(
            status=CaseStatus.DIED, treatment_date__isnull=False
        )

    @staticmethod
    def refused_q() -> Q:
        return Q(status=CaseStatus.REFUSED)

    @staticmethod
    def died_q() -> Q:
        return Q(status=CaseStatus.DIED)

    @property
    def counts_as_treated(self) -> bool:
        """The indicator rule: treated, or died after a recorded treatment."""
        return self.status == CaseStatus.TREATED or (
            self.status == CaseStatus.DIED and self.treatment_date is not None
        )

    @property
    def counts_as_refused(self) -> bool:
        return self.status == CaseStatus.REFUSED

    @property
    def counts_as_died(self) -> bool:
        return self.status == CaseStatus.DIED

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.disease_id:
            if not self.disease.is_major_illness:
                errors.setdefault("disease", []).append(
                    _("%(disease)s is not a major illness in the catalogue.")
                    % {"disease": self.disease.name}
                )
            if self.year and self.disease.is_major_illness:
                in_force = catalogue_year_in_force(self.year, is_major_illness=True)
                if self.disease.year != in_force:
                    errors.setdefault("disease", []).append(
                        _(
                            "%(disease)s belongs to the %(catalogue)s catalogue; the catalogue"
                            " in force in %(year)s is %(in_force)s's."
                        )
                        % {
                            "disease": self.disease.name,
                            "catalogue": self.disease.year,
                            "year": self.year,
                            "in_force": in_force,
                        }
                    )
        if self.status == CaseStatus.REFUSED:
            if not self.refusal_reason.strip():
                errors.setdefault("refusal_reason", []).append(_("A refusal needs its reason."))
            if not self.refusal_note.strip() and not self.refusal_proof:
                errors.setdefault("refusal_note", []).append(
                    _("A refusal needs proof the policy was explained: a note, a file or both.")
                )
        if self.status == CaseStatus.TREATED and self.treatment_date is None:
            errors.setdefault("treatment_date", []).append(
                _("A treated case needs its treatment date.")
            )
        if (
            self.treatment_date
            and self.screening_date
            and self.treatment_date < self.screening_date
        ):
            errors.setdefault("treatment_date", []).append(
                _("The treatment date cannot be before the screening date.")
            )
        if errors:
            raise ValidationError(errors)


class FollowUpCall(models.Model):
    """A follow-up call (回访) to a case's person or family."""

    case = models.ForeignKey(
        MajorIllnessCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="calls"
    )
    called_on = models.DateField(_("call date"))
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    caller_name = models.CharField(_("called by (as written)"), max_length=50, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "case__person__household__village"

    class Meta:
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        ordering = ["-called_on", "-id"]
        indexes = [models.Index(fields=["case", "called_on"])]

    def __str__(self) -> str:
        return f"{self.case} · {self.called_on}"

    @property
    def caller_display(self) -> str:
        if self.caller_id:
            return self.caller.last_name or self.caller.username
        return self.caller_name


class InpatientStay(models.Model):
    """One hospital stay of a registered person and how its bill was settled."""

    person = models.ForeignKey(
        "households.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="inpatient_stays",
    )
    case = models.ForeignKey(
        MajorIllnessCase,
        verbose_name=_("major-illness case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stays",
    )
    hospital = models.ForeignKey(
        Institution,
        verbose_name=_("hospital"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inpatient_stays",
    )
    hospital_name = models.CharField(_("hospital (as written)"), max_length=150, blank=True)
    in_county = models.BooleanField(_("in county"), default=True)
    referral = models.BooleanField(_("referred"), default=False)
    admitted_on = models.DateField(_("admission date"))
    discharged_on = models.DateField(_("discharge date"))
    total_cost = models.DecimalField(_("total cost"), **MONEY)
    policy_cost = models.DecimalField(_("cost within policy"), **MONEY)
    basic_insurance = models.DecimalField(_("basic medical insurance"), default=ZERO, **MONEY)
    critical_insurance = models.DecimalField(_("critical-illness insurance"), default=ZERO, **MONEY)
    medical_assistance = models.DecimalField(_("medical assistance"), default=ZERO, **MONEY)
    supplementary_insurance = models.DecimalField(
        _("supplementary insurance"), default=ZERO, **MONEY
    )
    personal_payment = models.DecimalField(_("personal payment"), default=ZERO, **MONEY)
    deposit_taken = models.BooleanField(_("deposit taken"), default=False)
    one_stop = models.BooleanField(_("settled one-stop"), default=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()
    scope_place_lookup = "person__household__village"

    # What insurance and assistance paid: the reimbursed part of the cost.
    PAID_FIELDS = (
        "basic_insurance",
        "critical_insurance",
        "medical_assistance",
        "supplementary_insurance",
    )
    # The parts that make up the total cost.
    PART_FIELDS = (*PAID_FIELDS, "personal_payment")

    class Meta:
        verbose_name = _("inpatient stay")
        verbose_name_plural = _("inpatient stays")
        ordering = ["-discharged_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(discharged_on__gte=F("admitted_on")),
                name="inpatient_stay_discharged_after_admission",
            ),
            models.CheckConstraint(
                condition=Q(total_cost__gte=0)
                & Q(policy_cost__gte=0)
                & Q(basic_insurance__gte=0)
                & Q(critical_insurance__gte=0)
                & Q(medical_assistance__gte=0)
                & Q(supplementary_insurance__gte=0)
                & Q(personal_payment__gte=0),
                name="inpatient_stay_amounts_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "discharged_on"]),
            models.Index(fields=["discharged_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.hospital_display} · {self.admitted_on}"

    @property
    def hospital_display(self) -> str:
        return self.hospital.name if self.hospital_id else self.hospital_name

    # The money parts of a stay and its breaches, each rule in its two forms: an expression
    # or Q for SQL (``paid_expression``, ``*_q``) and a property or method of one stay
    # (tests/treatment/test_models.py checks that they agree). The personal share is personal
    # payment / total cost, the reimbursement ratio paid / cost within policy: over a set of
    # stays both are ratios of sums (treatment.selectors.stay_figures, the indicator registry).

    @staticmethod
    def paid_expression() -> CombinedExpression:
        """Paid by insurance and assistance (``reimbursed`` in SQL)."""
        fields = [F(name) for name in InpatientStay.PAID_FIELDS]
        paid = fields[0]
        for part in fields[1:]:
            paid = paid + part
        return paid

    @staticmethod
    def over_cap_q(cap: Decimal) -> Q:
        """Personal payment above ``cap`` (a fraction) of the total cost."""
        return Q(personal_payment__gt=ExpressionWrapper(F("total_cost") * Value(cap), CAP_FIELD))

    @staticmethod
    def deposit_breach_q() -> Q:
        """A deposit was taken: treat first, pay later (先诊疗后付费) not applied."""
        return Q(deposit_taken=True)

    @staticmethod
    def not_one_stop_q() -> Q:
        return Q(one_stop=False)

    @staticmethod
    def breach_q(cap: Decimal) -> Q:
        """Any breach: a deposit, no one-stop settlement, or a personal share above the cap."""
        return (
            InpatientStay.deposit_breach_q()
            | InpatientStay.not_one_stop_q()
            | InpatientStay.over_cap_q(cap)
        )

    @property
    def parts_sum(self) -> Decimal:
        return sum((getattr(self, name) or ZERO for name in self.PART_FIELDS), ZERO)

    @property
    def reimbursed(self) -> Decimal:
        return sum((getattr(self, name) or ZERO for name in self.PAID_FIELDS), ZERO)

    @property
    def personal_share(self) -> Decimal | None:
        if not self.total_cost:
            return None
        return self.personal_payment / self.total_cost

    @property
    def reimbursement_ratio(self) -> Decimal | None:
        if not self.policy_cost:
            return None
        return self.reimbursed / self.policy_cost

    def is_over_cap(self, cap: Decimal) -> bool:
        return self.personal_payment > self.total_cost * cap

    def breaches(self, cap: Decimal) -> list[str]:
        """The stay's breaches (``BREACH_*``), in that order; empty when it has none."""
        found = []
        if self.deposit_taken:
            found.append(BREACH_DEPOSIT)
        if not self.one_stop:
            found.append(BREACH_NOT_ONE_STOP)
        if self.is_over_cap(cap):
            found.append(BREACH_OVER_CAP)
        return found

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.admitted_on and self.discharged_on and self.discharged_on < self.admitted_on:
            errors.setdefault("discharged_on", []).append(
                _("Discharge (%(discharged)s) cannot be before admission (%(admitted)s).")
                % {"discharged": self.discharged_on, "admitted": self.admitted_on}
            )
        amounts_known = self.total_cost is not None and all(
            getattr(self, name) is not None for name in self.PART_FIELDS
        )
        if amounts_known:
            difference = self.total_cost - self.parts_sum
            if difference != 0:
                errors.setdefault("total_cost", []).append(
                    _(
                        "The parts (basic insurance + critical-illness insurance"
                        " + medical assistance + supplementary insurance + personal payment"
                        " = %(parts)s) do not add up to the total cost %(total)s:"
                        " the difference is %(difference)s."
                    )
                    % {"parts": self.parts_sum, "total": self.total_cost, "difference": difference}
                )
        if (
            self.total_cost is not None
            and self.policy_cost is not None
            and self.policy_cost > self.total_cost
        ):
            errors.setdefault("policy_cost", []).append(
                _("The cost within policy cannot be more than the total cost.")
            )
        if errors:
            raise ValidationError(errors)

"""Forms of the household page's inline records; they only parse input, services validate."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from healthpov.places.models import Institution
from healthpov.places.scoping import hospitals_choosable_by
from signing.catalogue import diseases_in_force, packages_in_force
from signing.models import (
    Adherence,
    BookletStatus,
    Disease,
    FollowUpVisit,
    FulfilmentKind,
    ServicePackage,
    SignMethod,
    Symptom,
    Team,
    UnsignedReason,
    VisitClassification,
    VisitMethod,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class HouseholdForm(forms.Form):
    """Base: a member of the household (or several), and the acting user for choices."""

    person_field = "person"

    def __init__(self, *args, members, user, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {m.pk: m for m in members}
        self.user = user
        self.year = year
        choices = [(m.pk, m.name) for m in members]
        if self.person_field in self.fields:
            self.fields[self.person_field].choices = choices
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)
            widget.attrs.setdefault("data-testid", f"field-{name}")

    def clean_person(self):
        return self.members[int(self.cleaned_data["person"])]


def _today():
    return timezone.localdate()


class ContractForm(HouseholdForm):
    person = forms.TypedChoiceField(label=_("person"), coerce=int)
    signed_on = forms.DateField(label=_("date signed"), widget=DateInput, initial=_today)
    method = forms.ChoiceField(label=_("method"), choices=SignMethod.choices)
    team = forms.ModelChoiceField(label=_("team"), queryset=Team.objects.none(), required=False)
    doctor_name = forms.CharField(label=_("responsible doctor"), max_length=50, required=False)
    package = forms.ModelChoiceField(
        label=_("service package"), queryset=ServicePackage.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.visible_to(self.user).select_related(
            "institution"
        )
        self.fields["package"].queryset = packages_in_force(self.year)


class UnsignedForm(HouseholdForm):
    person = forms.TypedChoiceField(label=_("person"), coerce=int)
    reason = forms.ChoiceField(label=_("reason"), choices=UnsignedReason.choices)
    recorded_on = forms.DateField(label=_("date recorded"), widget=DateInput, initial=_today)
    contact_note = forms.CharField(
        label=_("contact attempt"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("How and when the person was contacted (evidence of the work)."),
    )


class FulfilmentForm(HouseholdForm):
    person_field = "persons"

    persons = forms.TypedMultipleChoiceField(
        label=_("members"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(
        label=_("service"),
        choices=[(k, v) for k, v in FulfilmentKind.choices if k != FulfilmentKind.FOLLOW_UP],
        help_text=_("A brochure is recorded once per household."),
    )
    served_on = forms.DateField(label=_("date"), widget=DateInput, initial=_today)
    note = forms.CharField(label=_("note"), max_length=500, required=False)

    def clean_persons(self):
        return [self.members[int(pk)] for pk in self.cleaned_data["persons"]]


def _number(name: str, *, decimal: bool = False) -> forms.Field:
    """A measured value of the visit, labelled as the model names it (ranges: the service)."""
    label = FollowUpVisit._meta.get_field(name).verbose_name
    attrs = {"inputmode": "decimal" if decimal else "numeric"}
    if decimal:
        return forms.DecimalField(
            label=label, required=False, widget=forms.NumberInput(attrs={**attrs, "step": "0.1"})
        )
    return forms.IntegerField(label=label, required=False, widget=forms.NumberInput(attrs=attrs))


def _choice(name: str, choices) -> forms.ChoiceField:
    label = FollowUpVisit._meta.get_field(name).verbose_name
    return forms.ChoiceField(label=label, choices=[("", "---------"), *choices], required=False)


class FollowupForm(HouseholdForm):
    """The follow-up visit of a hypertension or type 2 diabetes patient (one column)."""

    person = forms.TypedChoiceField(label=_("patient"), coerce=int)
    served_on = forms.DateField(label=_("date of the visit"), widget=DateInput, initial=_today)
    method = _choice("method", VisitMethod.choices)
    symptoms = forms.MultipleChoiceField(
        label=_("symptoms"),
        choices=Symptom.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Hypertension: headache to oedema; type 2 diabetes: drinking much to weight loss."
        ),
    )
    symptoms_other = forms.CharField(label=_("other symptoms"), max_length=200, required=False)
    systolic = _number("systolic")
    diastolic = _number("diastolic")
    weight_kg = _number("weight_kg", decimal=True)
    height_cm = _number("height_cm", decimal=True)
    bmi = _number("bmi", decimal=True)
    fasting_glucose = _number("fasting_glucose", decimal=True)
    cigarettes_per_day = _number("cigarettes_per_day")
    alcohol_per_day = _number("alcohol_per_day", decimal=True)
    exercise_per_week = _number("exercise_per_week")
    exercise_minutes = _number("exercise_minutes")
    adherence = _choice("adherence", Adherence.choices)
    adverse_reaction = forms.TypedChoiceField(
        label=_("adverse drug reaction"),
        choices=[
            ("0", pgettext_lazy("adverse reaction", "None")),
            ("1", pgettext_lazy("adverse reaction", "Yes")),
        ],
        coerce=lambda value: value == "1",
        empty_value=False,
        required=False,
        initial="0",
    )
    adverse_reaction_note = forms.CharField(
        label=_("adverse reaction (what)"), max_length=200, required=False
    )
    classification = _choice("classification", VisitClassification.choices)
    referral_reason = forms.CharField(label=_("referral reason"), max_length=200, required=False)
    referral_institution = forms.CharField(
        label=_("referred to (institution)"), max_length=150, required=False
    )
    next_visit_on = forms.DateField(
        label=_("next follow-up date"), widget=DateInput, required=False
    )
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("systolic", "diastolic"):
            self.fields[name].help_text = "mmHg"
        self.fields["weight_kg"].help_text = "kg"
        self.fields["height_cm"].help_text = _("cm; with the weight it gives the BMI")
        self.fields["fasting_glucose"].help_text = _("mmol/L (diabetes)")
        self.fields["cigarettes_per_day"].help_text = _("cigarettes a day")
        self.fields["alcohol_per_day"].help_text = _("liang a day")

    def visit_values(self) -> dict:
        """The visit's details for the service (every field but patient, date and note)."""
        skip = {"person", "served_on", "note"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class HealthCheckForm(HouseholdForm):
    person = forms.TypedChoiceField(label=_("person"), coerce=int)
    checked_on = forms.DateField(label=_("date checked"), widget=DateInput, initial=_today)
    institution = forms.ModelChoiceField(
        label=_("institution"), queryset=Institution.objects.none(), required=False
    )
    summary = forms.CharField(
        label=_("summary"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    abnormal_findings = forms.CharField(
        label=_("abnormal findings"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    fed_back = forms.BooleanField(label=_("results fed back"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = hospitals_choosable_by(self.user)


class ChronicForm(HouseholdForm):
    person = forms.TypedChoiceField(label=_("person"), coerce=int)
    disease = forms.ModelChoiceField(label=_("disease"), queryset=Disease.objects.none())
    diagnosed_on = forms.DateField(label=_("date diagnosed"), widget=DateInput)
    managing_doctor_name = forms.CharField(
        label=_("managing doctor"), max_length=50, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["disease"].queryset = diseases_in_force(self.year, is_key_chronic=True)


class DiagnosisForm(HouseholdForm):
    person = forms.TypedChoiceField(label=_("person"), coerce=int)
    disease = forms.ModelChoiceField(label=_("disease"), queryset=Disease.objects.none())
    diagnosed_on = forms.DateField(label=_("date diagnosed"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["disease"].queryset = diseases_in_force(self.year, is_special_outpatient=True)


class BookletForm(HouseholdForm):
    status = forms.ChoiceField(label=_("status"), choices=BookletStatus.choices)
    applied_on = forms.DateField(label=_("date applied"), widget=DateInput, required=False)
    number = forms.CharField(label=_("booklet number"), max_length=50, required=False)
    issued_on = forms.DateField(label=_("date issued"), widget=DateInput, required=False)
    expires_on = forms.DateField(label=_("valid until"), widget=DateInput, required=False)

"""Forms of the treatment pages: they parse input; the services decide what is valid."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from healthpov.accounts.models import User
from healthpov.period import ReportingPeriod
from households.models import Person
from signing.catalogue import Catalogue, diseases_in_force
from signing.models import Disease
from treatment.models import CaseStatus

DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
MONEY_ERRORS = {
    "invalid": _("Enter an amount in yuan, such as 1234.50."),
    "min_value": _("An amount cannot be negative."),
    "max_decimal_places": _("Amounts have at most two decimals (fen)."),
}


def normalise_id_number(raw: str) -> str:
    """Full-width digits to ASCII, spaces dropped, a lower-case x raised."""
    return unicodedata.normalize("NFKC", raw or "").replace(" ", "").strip().upper()


def money_field(label: str, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        initial=None if required else Decimal("0"),
        error_messages=MONEY_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control"}),
    )


class NoEchoTextInput(forms.TextInput):
    """A text input that never sends its value back: an ID number is not echoed into a page."""

    def format_value(self, value):
        return None


class PersonByIdForm(forms.Form):
    """Finds the person by resident ID among those the user may see (ID never in a URL)."""

    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=30,
        widget=NoEchoTextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )

    def __init__(self, *args, user: User, person: Person | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.person = person
        if person is not None:
            del self.fields["id_number"]

    def clean_id_number(self) -> str:
        value = normalise_id_number(self.cleaned_data["id_number"])
        person = Person.objects.visible_to(self.user).filter(id_number=value).first()
        if person is None:
            raise ValidationError(
                _("No person with this ID number is on the roster of your places.")
            )
        self.person = person
        return value


class CaseForm(PersonByIdForm):
    disease = forms.ModelChoiceField(
        label=_("Disease"),
        queryset=Disease.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": _("Choose a major illness of the year's catalogue.")},
    )
    screening_date = forms.DateField(label=_("Screening date"), widget=DATE_INPUT)
    hospital_name = forms.CharField(
        label=_("Designated hospital"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"class": "form-control", "list": "hospital-names"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(v, label) for v, label in CaseStatus.choices if v != CaseStatus.REFUSED],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    treatment_date = forms.DateField(label=_("Treatment date"), required=False, widget=DATE_INPUT)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def __init__(self, *args, year: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The major illnesses in force in the case's year (the working year for a new case).
        self.fields["disease"].queryset = diseases_in_force(
            year or ReportingPeriod.current().year, is_major_illness=True
        )
        if self.initial.get("status") == CaseStatus.REFUSED:
            # Editing a refused case keeps its status available; a new refusal has its own form.
            self.fields["status"].choices = CaseStatus.choices

    def clean(self) -> dict:
        data = super().clean()
        disease, screened = data.get("disease"), data.get("screening_date")
        if disease is not None and screened is not None:
            # A case belongs to its screening year: take the disease of that year's catalogue.
            data["disease"] = (
                Catalogue(is_major_illness=True).find(screened.year, disease.name) or disease
            )
        return data


class RefusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for refusal"),
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": _("A refusal needs its reason.")},
    )
    note = forms.CharField(
        label=_("How the policy was explained"),
        required=False,
        help_text=_("When, how and by whom, e.g. a phone call on 2018-05-20 by Dr Chen."),
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    proof = forms.FileField(
        label=_("Proof (PDF or photo)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": "application/pdf,image/jpeg,image/png"}
        ),
    )

    def clean(self) -> dict:
        data = super().clean()
        if not (data.get("note") or "").strip() and not data.get("proof"):
            raise ValidationError(
                _("A refusal needs proof the policy was explained: a note, a file or both.")
            )
        return data


class CallForm(forms.Form):
    called_on = forms.DateField(label=_("Call date"), widget=DATE_INPUT)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class StayForm(PersonByIdForm):
    hospital_name = forms.CharField(
        label=_("Hospital"),
        max_length=150,
        widget=forms.TextInput(attrs={"class": "form-control", "list": "hospital-names"}),
    )
    in_county = forms.BooleanField(label=_("In county"), required=False, initial=True)
    referral = forms.BooleanField(label=_("Referred"), required=False)
    admitted_on = forms.DateField(label=_("Admission date"), widget=DATE_INPUT)
    discharged_on = forms.DateField(label=_("Discharge date"), widget=DATE_INPUT)
    total_cost = money_field(_("Total cost"))
    policy_cost = money_field(_("Cost within policy"))
    basic_insurance = money_field(_("Basic medical insurance"), required=False)
    critical_insurance = money_field(_("Critical-illness insurance"), required=False)
    medical_assistance = money_field(_("Medical assistance"), required=False)
    supplementary_insurance = money_field(_("Supplementary insurance"), required=False)
    personal_payment = money_field(_("Personal payment"), required=False)
    deposit_taken = forms.BooleanField(label=_("Deposit taken"), required=False)
    one_stop = forms.BooleanField(label=_("Settled one-stop"), required=False, initial=True)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    MONEY_PARTS = (
        "basic_insurance",
        "critical_insurance",
        "medical_assistance",
        "supplementary_insurance",
        "personal_payment",
    )

    def clean(self) -> dict:
        data = super().clean()
        for name in self.MONEY_PARTS:
            if name in data and data[name] is None:
                data[name] = Decimal("0")
        return data

"""Forms of the registry pages. ID numbers are never rendered back into a form (they would
sit in the page source); an edit form leaves the field blank to keep the stored number."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from healthpov.period import ReportingPeriod
from healthpov.places.forms import PlaceChoiceField
from households import services
from households.idnumber import normalise_id_text, parse_resident_id
from households.messages import HOUSEHOLD_NUMBER_NOT_REGISTRABLE
from households.models import Household, Person, PersonStatus, PovertyStatus
from households.selectors import villages_visible_to


class NoEchoTextInput(forms.TextInput):
    """A text input that never renders its value back."""

    def format_value(self, value):
        return None


class HouseholdForm(forms.ModelForm):
    village = PlaceChoiceField(queryset=None, label=_("village"))

    class Meta:
        model = Household
        fields = [
            "number", "village", "head_name", "phone", "registration_year", "household_type",
            "poverty_status", "main_cause",
        ]  # fmt: skip
        widgets = {"phone": NoEchoTextInput}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages_visible_to(user)
        if self.instance.pk:
            self.fields["phone"].required = False
            self.fields["phone"].help_text = _("Leave blank to keep the stored phone.")

    def clean_phone(self) -> str:
        value = services.checked_phone(self.cleaned_data.get("phone", ""))
        if not value and self.instance.pk:
            return Household.objects.get(pk=self.instance.pk).phone
        return value

    def clean_number(self) -> str:
        number = self.cleaned_data["number"]
        if Household.objects.filter(number=number).exclude(pk=self.instance.pk).exists():
            raise ValidationError(HOUSEHOLD_NUMBER_NOT_REGISTRABLE)
        return number


class PersonForm(forms.ModelForm):
    id_number = forms.CharField(
        label=_("resident ID number"), max_length=30, required=False, widget=NoEchoTextInput
    )
    phone = forms.CharField(label=_("phone"), max_length=20, required=False, widget=NoEchoTextInput)

    class Meta:
        model = Person
        fields = ["name", "id_number", "relation", "phone", "insured", "health"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].initial = None
        self.fields["phone"].initial = None
        if self.instance.pk:
            self.fields["id_number"].help_text = _("Leave blank to keep the stored number.")
            self.fields["phone"].help_text = _("Leave blank to keep the stored phone.")
        else:
            self.fields["id_number"].required = True

    def clean_id_number(self) -> str:
        raw = self.cleaned_data.get("id_number", "")
        if not raw and self.instance.pk:
            return Person.objects.get(pk=self.instance.pk).id_number
        return services.checked_resident_id(id_number=raw, person_pk=self.instance.pk).number

    def clean_phone(self) -> str:
        value = services.checked_phone(self.cleaned_data.get("phone", ""))
        if not value and self.instance.pk:
            return Person.objects.get(pk=self.instance.pk).phone
        return value

    def _post_clean(self) -> None:
        number = self.cleaned_data.get("id_number")
        if number:
            resident = parse_resident_id(number)
            self.instance.sex, self.instance.birth_date = resident.sex, resident.birth_date
        super()._post_clean()


class PersonStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("person status"), choices=PersonStatus.choices)
    changed_on = forms.DateField(
        label=_("date"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    reason = forms.CharField(label=_("reason"), max_length=200)

    def clean_changed_on(self):
        return services.checked_change_date(self.cleaned_data["changed_on"])


class SearchForm(forms.Form):
    q = forms.CharField(label=_("name or household number"), required=False, max_length=50)
    status = forms.ChoiceField(
        label=_("person status"), choices=[("", ""), *PersonStatus.choices], required=False
    )
    poverty_status = forms.ChoiceField(
        label=_("poverty status"), choices=[("", ""), *PovertyStatus.choices], required=False
    )


class IdSearchForm(forms.Form):
    id_number = forms.CharField(
        label=_("resident ID number"), max_length=30, widget=NoEchoTextInput
    )

    def clean_id_number(self) -> str:
        return normalise_id_text(self.cleaned_data["id_number"])


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"))
    file = forms.FileField(label=_("file"))
    year = forms.IntegerField(
        label=_("roster year"), required=False, min_value=2000, max_value=2100
    )

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        self.fields["year"].initial = ReportingPeriod.current().year

    def clean_file(self):
        from django.conf import settings

        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_FILE_BYTES:
            raise ValidationError(
                _(
                    "The file is too large (%(size)s MB); the limit is %(limit)s MB. "
                    "Split it by township."
                )
                % {
                    "size": f"{upload.size / 1024 / 1024:.1f}",
                    "limit": f"{settings.IMPORT_MAX_FILE_BYTES / 1024 / 1024:.1f}",
                }
            )
        return upload


class ApplyForm(forms.Form):
    valid_rows_only = forms.BooleanField(label=_("Import the valid rows only"), required=False)
    # Typed as text: a wrong entry is refused by the service with its own message.
    confirm_leavers = forms.CharField(
        label=_("Number of persons leaving the roster"), max_length=20, required=False
    )

"""Forms of the inspections app: they parse input; the services decide and write."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from healthpov.accounts.models import User
from healthpov.places.forms import PlaceChoiceField, PlaceMultipleChoiceField
from healthpov.places.models import Institution, Place
from healthpov.places.scoping import places_visible_to
from households.models import Household, Person
from inspections.models import Campaign, ChecklistItem, FindingCategory, InspectionGroup


class BootstrapMixin:
    """Give every widget the Bootstrap class it needs, so templates stay plain."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


class DateInput(forms.DateInput):
    """A browser date picker; its value must be ISO whatever the language's date format."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs=attrs, format=format)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several files; each one is checked by content in the service, not here."""

    widget = MultipleFileInput(attrs={"accept": "image/*"})

    def clean(self, data, initial=None):
        if not data:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


class CampaignForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "kind", "document_number", "starts_on", "ends_on", "starting_score"]
        widgets = {"starts_on": DateInput, "ends_on": DateInput}


class GroupForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=pgettext_lazy("campaign", "name"), max_length=100)
    members = forms.ModelMultipleChoiceField(
        label=pgettext_lazy("inspection group", "members"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    places = PlaceMultipleChoiceField(
        label=_("assigned townships and villages"),
        queryset=Place.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    institutions = forms.ModelMultipleChoiceField(
        label=_("assigned institutions"),
        queryset=Institution.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = User.objects.filter(
            role=User.Role.INSPECTOR, is_active=True
        ).order_by("username")
        self.fields["places"].queryset = (
            places_visible_to(user).filter(level=Place.Level.TOWNSHIP).order_by("path")
        )
        self.fields["institutions"].queryset = Institution.objects.visible_to(user).exclude(
            kind=Institution.Kind.VILLAGE_CLINIC
        )

    @classmethod
    def initial_for(cls, group: InspectionGroup) -> dict:
        return {
            "name": group.name,
            "members": list(group.members.all()),
            "places": list(group.places.all()),
            "institutions": list(group.institutions.all()),
        }


class ChecklistItemForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = ["number", "title", "deduction"]


class FindingForm(BootstrapMixin, forms.Form):
    place = PlaceChoiceField(label=_("township or village"), queryset=Place.objects.none())
    institution = forms.ModelChoiceField(
        label=_("institution"), queryset=Institution.objects.none(), required=False
    )
    checklist_item = forms.ModelChoiceField(
        label=_("checklist item"), queryset=ChecklistItem.objects.none(), required=False
    )
    category = forms.ChoiceField(
        label=_("or a category"),
        choices=[("", "---------"), *FindingCategory.choices],
        required=False,
    )
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}))
    person_times = forms.IntegerField(label=_("person-times"), min_value=1, initial=1)
    found_on = forms.DateField(label=_("date found"), widget=DateInput)
    household_number = forms.CharField(
        label=_("household number (optional)"), max_length=40, required=False
    )
    id_number = forms.CharField(
        label=_("person's ID number (optional)"), max_length=18, required=False
    )
    photos = MultiplePhotoField(label=_("photos"), required=False)

    def __init__(self, *args, campaign: Campaign, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["found_on"].initial = timezone.localdate()
        places = places_visible_to(user).filter(
            level__in=[Place.Level.TOWNSHIP, Place.Level.VILLAGE]
        )
        if user.role == User.Role.INSPECTOR:
            groups = campaign.groups.filter(members=user)
            q = Q(pk__in=[])
            for path in Place.objects.filter(inspection_groups__in=groups).values_list(
                "path", flat=True
            ):
                q |= Q(path__startswith=path)
            places = places.filter(q)
        self.fields["place"].queryset = places.order_by("path")
        self.fields["place"].label_from_instance = lambda p: (
            f"{'— ' if p.level == Place.Level.VILLAGE else ''}{p.name}"
        )
        self.fields["institution"].queryset = Institution.objects.visible_to(user)
        self.fields["checklist_item"].queryset = campaign.checklist_items.all()

    def clean(self):
        data = super().clean()
        number = (data.get("household_number") or "").strip()
        id_number = (data.get("id_number") or "").strip().upper()
        data["household"] = data["person"] = None
        if number:
            data["household"] = (
                Household.objects.visible_to(self.user).filter(number=number).first()
            )
            if data["household"] is None:
                self.add_error(
                    "household_number", _("No household with this number in your places.")
                )
        if id_number:
            data["person"] = (
                Person.objects.visible_to(self.user).filter(id_number=id_number).first()
            )
            if data["person"] is None:
                self.add_error("id_number", _("No person with this ID number in your places."))
        return data


class PhotoUploadForm(BootstrapMixin, forms.Form):
    photos = MultiplePhotoField(label=_("photos"), required=True)

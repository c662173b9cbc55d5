"""Forms of the remediation app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from healthpov.accounts.models import User
from healthpov.places.forms import PlaceChoiceField
from healthpov.places.models import Institution, Place
from healthpov.places.scoping import places_visible_to
from inspections.forms import BootstrapMixin, DateInput, MultipleFileInput, MultiplePhotoField
from remediation.models import Accountability, Item, ItemSource, ItemState, ItemTransition


class ItemForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Item
        fields = [
            "problem",
            "measures",
            "responsible_leader",
            "responsible_institution",
            "responsible_unit_text",
            "deadline",
        ]
        widgets = {
            "deadline": DateInput,
            "problem": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_institution"].queryset = Institution.objects.visible_to(user)
        self.fields["responsible_institution"].required = False


class FeedbackItemForm(ItemForm):
    feedback_document = forms.CharField(label=_("feedback document number"), max_length=150)
    place = PlaceChoiceField(label=_("township (or the county)"), queryset=Place.objects.none())

    field_order = ["feedback_document", "place"]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["place"].queryset = (
            places_visible_to(user)
            .filter(level__in=[Place.Level.COUNTY, Place.Level.TOWNSHIP])
            .order_by("path")
        )


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=ItemTransition.Action.choices)
    expected_state = forms.ChoiceField(choices=ItemState.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    # Photos or PDF documents; each is checked by content in the service.
    photos = MultiplePhotoField(
        required=False, widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf"})
    )


class FilterForm(BootstrapMixin, forms.Form):
    township = PlaceChoiceField(label=_("township"), queryset=Place.objects.none(), required=False)
    state = forms.ChoiceField(
        label=_("state"), choices=[("", _("All states")), *ItemState.choices], required=False
    )
    source = forms.ChoiceField(
        label=_("source"), choices=[("", _("All sources")), *ItemSource.choices], required=False
    )
    overdue = forms.BooleanField(label=_("overdue only"), required=False)
    due_soon = forms.BooleanField(label=_("due within 7 days"), required=False)
    q = forms.CharField(label=_("search"), required=False, max_length=100)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = (
            places_visible_to(user).filter(level=Place.Level.TOWNSHIP).order_by("path")
        )


class AccountabilityForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Accountability
        fields = [
            "kind",
            "place",
            "institution",
            "person_named",
            "document_number",
            "held_on",
            "reason",
            "items",
        ]
        widgets = {"held_on": DateInput, "reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = (
            places_visible_to(user).filter(level=Place.Level.TOWNSHIP).order_by("path")
        )
        self.fields["institution"].queryset = Institution.objects.visible_to(user)
        self.fields["items"].queryset = (
            Item.objects.visible_to(user)
            .filter(overdue_since__isnull=False)
            .select_related("township")
        )
        self.fields["items"].required = False
        self.fields["items"].label_from_instance = lambda i: (
            f"{i.township or i.place} · {i.problem[:40]}"
        )


class RevisitForm(BootstrapMixin, forms.Form):
    recurred = forms.TypedChoiceField(
        label=_("outcome"),
        choices=[("0", _("Remediation held")), ("1", _("Problem came back"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(
        label=_("deadline of the reopened item"), widget=DateInput, required=False
    )

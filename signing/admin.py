from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from signing.models import (
    REQUIRED_ITEM_CHOICES,
    Booklet,
    ChronicRegistration,
    Contract,
    Disease,
    FulfilmentRecord,
    HealthCheck,
    ServicePackage,
    SpecialDiseaseDiagnosis,
    Team,
    TeamMember,
    UnsignedRecord,
    YearPolicy,
)


@admin.register(Disease)
class DiseaseAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "year",
        "is_special_outpatient",
        "is_key_chronic",
        "chronic_kind",
        "is_major_illness",
    ]
    list_filter = ["year", "is_special_outpatient", "is_key_chronic", "is_major_illness"]
    list_editable = ["is_special_outpatient", "is_key_chronic", "is_major_illness"]
    search_fields = ["name"]


class YearPolicyForm(forms.ModelForm):
    required_items = forms.MultipleChoiceField(
        label=_("required fulfilment items"),
        choices=REQUIRED_ITEM_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = YearPolicy
        fields = ["year", "required_items", "followups_per_year"]


@admin.register(YearPolicy)
class YearPolicyAdmin(SimpleHistoryAdmin):
    form = YearPolicyForm
    list_display = ["year", "followups_per_year"]


@admin.register(ServicePackage)
class ServicePackageAdmin(SimpleHistoryAdmin):
    list_display = ["name", "year", "fee", "payer"]
    list_filter = ["year"]
    search_fields = ["name"]


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "institution", "lead_display"]
    list_select_related = ["institution", "lead_doctor"]
    search_fields = ["name", "institution__name"]
    autocomplete_fields = ["institution", "lead_doctor", "villages"]
    inlines = [TeamMemberInline]

    @admin.display(description=_("lead doctor"))
    def lead_display(self, obj: Team) -> str:
        return obj.lead_display


class PersonRecordAdmin(SimpleHistoryAdmin):
    """Records of one person: search by name; the person picked by autocomplete."""

    raw_id_fields = ["person"]
    search_fields = ["person__name"]
    list_select_related = ["person"]


@admin.register(Contract)
class ContractAdmin(PersonRecordAdmin):
    list_display = ["person", "year", "method", "signed_on", "valid_until", "team"]
    list_filter = ["year", "method"]
    list_select_related = ["person", "team"]
    autocomplete_fields = ["team", "doctor"]


@admin.register(UnsignedRecord)
class UnsignedRecordAdmin(PersonRecordAdmin):
    list_display = ["person", "year", "reason", "recorded_on"]
    list_filter = ["year", "reason"]


@admin.register(ChronicRegistration)
class ChronicRegistrationAdmin(PersonRecordAdmin):
    list_display = ["person", "disease", "diagnosed_on"]
    list_filter = ["disease__chronic_kind"]
    list_select_related = ["person", "disease"]


@admin.register(FulfilmentRecord)
class FulfilmentRecordAdmin(PersonRecordAdmin):
    list_display = ["person", "kind", "served_on", "staff_name"]
    list_filter = ["kind"]
    date_hierarchy = "served_on"


@admin.register(HealthCheck)
class HealthCheckAdmin(PersonRecordAdmin):
    list_display = ["person", "checked_on", "fed_back"]
    list_filter = ["fed_back"]
    date_hierarchy = "checked_on"


class BookletInline(admin.StackedInline):
    model = Booklet
    extra = 0


@admin.register(SpecialDiseaseDiagnosis)
class SpecialDiseaseDiagnosisAdmin(PersonRecordAdmin):
    list_display = ["person", "disease", "diagnosed_on"]
    list_select_related = ["person", "disease"]
    inlines = [BookletInline]

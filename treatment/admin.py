from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from treatment.models import FollowUpCall, InpatientStay, MajorIllnessCase, TreatmentPolicy


class ScopedAdmin(SimpleHistoryAdmin):
    """Staff users in the admin see only their places, like everywhere else."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(TreatmentPolicy)
class TreatmentPolicyAdmin(SimpleHistoryAdmin):
    list_display = [
        "year",
        "personal_share_cap",
        "return_to_poverty_threshold",
        "reimbursement_target",
    ]


class FollowUpCallInline(admin.TabularInline):
    model = FollowUpCall
    extra = 0
    fields = ["called_on", "caller", "caller_name", "note"]
    raw_id_fields = ["caller"]


@admin.register(MajorIllnessCase)
class MajorIllnessCaseAdmin(ScopedAdmin):
    list_display = ["person", "disease", "year", "status", "screening_date", "treatment_date"]
    list_filter = ["year", "status"]
    search_fields = ["person__name", "disease__name"]
    raw_id_fields = ["person", "disease", "hospital", "created_by"]
    list_select_related = ["person", "disease"]
    inlines = [FollowUpCallInline]


@admin.register(InpatientStay)
class InpatientStayAdmin(ScopedAdmin):
    list_display = [
        "person",
        "hospital_name",
        "admitted_on",
        "discharged_on",
        "total_cost",
        "personal_payment",
        "deposit_taken",
        "one_stop",
    ]
    list_filter = ["in_county", "deposit_taken", "one_stop"]
    search_fields = ["person__name", "hospital_name", "hospital__name"]
    raw_id_fields = ["person", "case", "hospital", "created_by"]
    list_select_related = ["person", "hospital"]

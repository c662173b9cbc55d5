"""API of the treatment app; every viewset's queryset goes through ``visible_to(user)``.

Reads for every signed-in user within their places; writes (township staff, village doctors,
admins) go through the same services as the pages, so the same validation applies.
"""

from __future__ import annotations

from rest_framework import mixins, serializers, viewsets
from rest_framework.routers import SimpleRouter

from healthpov.accounts.masking import mask_id_number
from healthpov.api_fields import HospitalField, ScopedModelSerializer, ScopedRelatedField
from healthpov.db_routing import ReplicaReadsMixin
from healthpov.service_errors import api_errors
from households.models import Person
from treatment import services
from treatment.models import FollowUpCall, InpatientStay, MajorIllnessCase


class CaseSerializer(ScopedModelSerializer):
    person = ScopedRelatedField(queryset=Person.objects.all())
    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_number = serializers.SerializerMethodField()
    hospital = HospitalField(
        required=False, allow_null=True, model_field=MajorIllnessCase._meta.get_field("hospital")
    )
    disease_name = serializers.CharField(source="disease.name", read_only=True)
    hospital_display = serializers.CharField(read_only=True)
    counts_as_treated = serializers.BooleanField(read_only=True)

    class Meta:
        model = MajorIllnessCase
        fields = [
            "id",
            "person",
            "person_name",
            "person_id_number",
            "disease",
            "disease_name",
            "year",
            "screening_date",
            "hospital",
            "hospital_name",
            "hospital_display",
            "status",
            "treatment_date",
            "refusal_reason",
            "refusal_note",
            "note",
            "counts_as_treated",
        ]
        read_only_fields = ["year", "refusal_reason", "refusal_note"]

    def get_person_id_number(self, case: MajorIllnessCase) -> str:
        return mask_id_number(case.person.id_number)


class CallSerializer(ScopedModelSerializer):
    case = ScopedRelatedField(queryset=MajorIllnessCase.objects.all())
    caller_display = serializers.CharField(read_only=True)

    class Meta:
        model = FollowUpCall
        fields = ["id", "case", "called_on", "caller", "caller_name", "caller_display", "note"]
        read_only_fields = ["caller", "caller_name"]


class StaySerializer(ScopedModelSerializer):
    person = ScopedRelatedField(queryset=Person.objects.all())
    case = ScopedRelatedField(
        queryset=MajorIllnessCase.objects.all(), required=False, allow_null=True
    )
    person_name = serializers.CharField(source="person.name", read_only=True)
    hospital = HospitalField(
        required=False, allow_null=True, model_field=InpatientStay._meta.get_field("hospital")
    )
    hospital_display = serializers.CharField(read_only=True)
    personal_share = serializers.DecimalField(max_digits=7, decimal_places=4, read_only=True)
    reimbursement_ratio = serializers.DecimalField(max_digits=7, decimal_places=4, read_only=True)

    class Meta:
        model = InpatientStay
        fields = [
            "id",
            "person",
            "person_name",
            "case",
            "hospital",
            "hospital_name",
            "hospital_display",
            "in_county",
            "referral",
            "admitted_on",
            "discharged_on",
            "total_cost",
            "policy_cost",
            "basic_insurance",
            "critical_insurance",
            "medical_assistance",
            "supplementary_insurance",
            "personal_payment",
            "deposit_taken",
            "one_stop",
            "note",
            "personal_share",
            "reimbursement_ratio",
        ]


class CaseViewSet(
    ReplicaReadsMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CaseSerializer
    filterset_fields = ["year", "status", "disease"]

    def get_queryset(self):
        return (
            MajorIllnessCase.objects.visible_to(self.request.user)
            .select_related("person", "disease", "hospital")
            .order_by("-year", "pk")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        with api_errors():
            serializer.instance = services.case_create(actor=self.request.user, **data)


class CallViewSet(
    ReplicaReadsMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CallSerializer
    filterset_fields = ["case"]

    def get_queryset(self):
        return (
            FollowUpCall.objects.visible_to(self.request.user)
            .select_related("caller")
            .order_by("-called_on", "-pk")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        with api_errors():
            serializer.instance = services.call_record(actor=self.request.user, **data)


class StayViewSet(
    ReplicaReadsMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = StaySerializer
    filterset_fields = ["person", "case", "deposit_taken", "one_stop", "in_county"]

    def get_queryset(self):
        return (
            InpatientStay.objects.visible_to(self.request.user)
            .select_related("person", "hospital")
            .order_by("-discharged_on", "-pk")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        with api_errors():
            serializer.instance = services.stay_record(actor=self.request.user, **data)


router = SimpleRouter()
router.register("treatment/cases", CaseViewSet, basename="treatment-case")
router.register("treatment/calls", CallViewSet, basename="treatment-call")
router.register("treatment/stays", StayViewSet, basename="treatment-stay")
urlpatterns = router.urls

"""API of the signing app; every viewset's queryset goes through ``visible_to(user)``.

Reads for every signed-in user within their places; writes (township staff, village doctors,
admins) go through the same services as the pages, so the same validation applies. Follow-up
states come from :mod:`signing.followups`.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from healthpov.accounts.masking import mask_id_number
from healthpov.api_fields import HospitalField, ScopedModelSerializer, ScopedRelatedField
from healthpov.db_routing import ReplicaReadsMixin
from healthpov.period import ReportingPeriod, period_for_api
from healthpov.service_errors import api_errors
from households.models import Person
from signing import followups, services
from signing.catalogue import catalogue_year_in_force
from signing.models import (
    Booklet,
    ChronicRegistration,
    Contract,
    Disease,
    FollowUpVisit,
    FulfilmentKind,
    FulfilmentRecord,
    HealthCheck,
    SpecialDiseaseDiagnosis,
    Symptom,
    Team,
    UnsignedRecord,
)


class PersonRecordSerializer(ScopedModelSerializer):
    """Common fields of a person's record: the person (any visible one), name, masked ID."""

    person = ScopedRelatedField(queryset=Person.objects.all())
    person_name = serializers.CharField(source="person.name", read_only=True)
    person_id_number = serializers.SerializerMethodField()

    def get_person_id_number(self, obj) -> str:
        return mask_id_number(obj.person.id_number)


class ContractSerializer(PersonRecordSerializer):
    team = ScopedRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "person",
            "person_name",
            "person_id_number",
            "year",
            "signed_on",
            "valid_until",
            "method",
            "team",
            "team_name",
            "doctor_name",
            "package",
            "package_name",
        ]
        read_only_fields = ["valid_until"]


class UnsignedSerializer(PersonRecordSerializer):
    class Meta:
        model = UnsignedRecord
        fields = [
            "id",
            "person",
            "person_name",
            "person_id_number",
            "year",
            "reason",
            "recorded_on",
            "contact_note",
        ]


class ChronicSerializer(PersonRecordSerializer):
    disease_name = serializers.CharField(source="disease.name", read_only=True)
    chronic_kind = serializers.CharField(source="disease.chronic_kind", read_only=True)

    class Meta:
        model = ChronicRegistration
        fields = [
            "id",
            "person",
            "person_name",
            "person_id_number",
            "disease",
            "disease_name",
            "chronic_kind",
            "diagnosed_on",
            "managing_doctor_name",
        ]


class FollowUpVisitSerializer(serializers.ModelSerializer):
    """What a follow-up visit found (range checks: the service, answered by field)."""

    symptoms = serializers.ListField(
        child=serializers.ChoiceField(choices=Symptom.choices), required=False
    )

    class Meta:
        model = FollowUpVisit
        fields = list(services.VISIT_FIELDS)


class FulfilmentSerializer(PersonRecordSerializer):
    visit = FollowUpVisitSerializer(
        required=False,
        allow_null=True,
        help_text="Only for kind follow_up: what the visit found.",
    )

    class Meta:
        model = FulfilmentRecord
        fields = [
            "id",
            "person",
            "person_name",
            "person_id_number",
            "kind",
            "served_on",
            "staff_name",
            "note",
            "visit",
        ]
        read_only_fields = ["staff_name"]


class HealthCheckSerializer(PersonRecordSerializer):
    institution = HospitalField(
        required=False, allow_null=True, model_field=HealthCheck._meta.get_field("institution")
    )

    class Meta:
        model = HealthCheck
        fields = [
            "id",
            "person",
            "person_name",
            "person_id_number",
            "checked_on",
            "institution",
            "institution_name",
            "summary",
            "abnormal_findings",
            "fed_back",
        ]


class BookletSerializer(ScopedModelSerializer):
    class Meta:
        model = Booklet
        fields = ["status", "applied_on", "number", "issued_on", "expires_on"]
        # The booklet action moves a booklet to a status: without one there is nothing to do.
        extra_kwargs = {"status": {"required": True}}


class DiagnosisSerializer(PersonRecordSerializer):
    disease_name = serializers.CharField(source="disease.name", read_only=True)
    booklet = BookletSerializer(read_only=True)
    booklet_valid = serializers.SerializerMethodField()

    class Meta:
        model = SpecialDiseaseDiagnosis
        fields = [
            "id",
            "person",
            "person_name",
            "person_id_number",
            "disease",
            "disease_name",
            "diagnosed_on",
            "booklet",
            "booklet_valid",
        ]

    def get_booklet_valid(self, diagnosis) -> bool:
        try:
            return diagnosis.booklet.is_valid_on(timezone.localdate())
        except Booklet.DoesNotExist:
            return False


class TeamSerializer(ScopedModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "institution", "institution_name", "lead_doctor_name", "villages"]


class DiseaseSerializer(ScopedModelSerializer):
    class Meta:
        model = Disease
        fields = [
            "id",
            "year",
            "name",
            "is_special_outpatient",
            "is_key_chronic",
            "chronic_kind",
            "is_major_illness",
        ]


class FollowupStatusSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="pk")
    person_name = serializers.CharField(source="name")
    person_id_number = serializers.SerializerMethodField()
    chronic_since = serializers.DateField()
    followup_overdue = serializers.BooleanField()
    followup_due = serializers.BooleanField()
    followup_done_current = serializers.BooleanField()

    def get_person_id_number(self, person) -> str:
        return mask_id_number(person.id_number)


class RecordViewSet(
    ReplicaReadsMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """List, read and create a person's records of one kind; writes through a service."""

    model: type
    related = ("person",)
    ordering = ("-pk",)

    def get_queryset(self):
        return (
            self.model.objects.visible_to(self.request.user)
            .select_related(*self.related)
            .order_by(*self.ordering)
        )

    def create_record(self, data, user):
        raise NotImplementedError

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        with api_errors():
            serializer.instance = self.create_record(data, self.request.user)


class ContractViewSet(RecordViewSet):
    serializer_class = ContractSerializer
    model = Contract
    related = ("person", "team", "package")
    filterset_fields = ["year", "method", "team", "person"]

    def create_record(self, data, user):
        package = data.get("package")
        return services.contract_sign(
            person=data["person"],
            year=data["year"],
            signed_on=data["signed_on"],
            method=data.get("method") or "paper",
            team=data.get("team"),
            package=package,
            team_name=data.get("team_name", ""),
            doctor_name=data.get("doctor_name", ""),
            package_name=data.get("package_name", ""),
            actor=user,
        )


class UnsignedViewSet(RecordViewSet):
    serializer_class = UnsignedSerializer
    model = UnsignedRecord
    filterset_fields = ["year", "reason", "person"]

    def create_record(self, data, user):
        return services.unsigned_record(
            person=data["person"],
            year=data["year"],
            reason=data["reason"],
            recorded_on=data["recorded_on"],
            contact_note=data.get("contact_note", ""),
            actor=user,
        )


class ChronicViewSet(RecordViewSet):
    serializer_class = ChronicSerializer
    model = ChronicRegistration
    related = ("person", "disease")
    filterset_fields = ["disease", "disease__chronic_kind", "person"]

    def create_record(self, data, user):
        return services.chronic_register(
            person=data["person"],
            disease=data["disease"],
            diagnosed_on=data["diagnosed_on"],
            managing_doctor_name=data.get("managing_doctor_name", ""),
            actor=user,
        )


class FulfilmentViewSet(RecordViewSet):
    serializer_class = FulfilmentSerializer
    model = FulfilmentRecord
    filterset_fields = ["kind", "served_on", "person"]

    related = ("person", "visit")

    def create_record(self, data, user):
        visit = data.get("visit")
        if data["kind"] == FulfilmentKind.FOLLOW_UP:
            return services.followup_record(
                person=data["person"],
                served_on=data["served_on"],
                note=data.get("note", ""),
                visit=visit,
                actor=user,
            )
        if visit:
            raise ValidationError({"visit": [_("Only a follow-up has visit details.")]})
        records = services.fulfilment_record(
            persons=[data["person"]],
            kind=data["kind"],
            served_on=data["served_on"],
            note=data.get("note", ""),
            actor=user,
        )
        return records[0]


class HealthCheckViewSet(RecordViewSet):
    serializer_class = HealthCheckSerializer
    model = HealthCheck
    filterset_fields = ["checked_on", "fed_back", "person"]

    def create_record(self, data, user):
        return services.health_check_record(
            person=data["person"],
            checked_on=data["checked_on"],
            institution=data.get("institution"),
            institution_name=data.get("institution_name", ""),
            summary=data.get("summary", ""),
            abnormal_findings=data.get("abnormal_findings", ""),
            fed_back=data.get("fed_back", False),
            actor=user,
        )


class DiagnosisViewSet(RecordViewSet):
    serializer_class = DiagnosisSerializer
    model = SpecialDiseaseDiagnosis
    related = ("person", "disease", "booklet")
    filterset_fields = ["disease", "booklet__status", "person"]

    def create_record(self, data, user):
        return services.special_diagnosis_record(
            person=data["person"],
            disease=data["disease"],
            diagnosed_on=data["diagnosed_on"],
            actor=user,
        )

    @extend_schema(request=BookletSerializer, responses=DiagnosisSerializer)
    @action(detail=True, methods=["post"])
    def booklet(self, request, pk=None):
        """Move the diagnosis' booklet along (applied; issued with number and dates)."""
        diagnosis = self.get_object()
        serializer = BookletSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with api_errors():
            services.booklet_update(
                diagnosis=diagnosis, actor=request.user, **serializer.validated_data
            )
        diagnosis = self.get_queryset().get(pk=diagnosis.pk)
        return Response(DiagnosisSerializer(diagnosis, context=self.get_serializer_context()).data)


class TeamViewSet(ReplicaReadsMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TeamSerializer
    filterset_fields = ["institution"]

    def get_queryset(self):
        return (
            Team.objects.visible_to(self.request.user)
            .select_related("institution")
            .prefetch_related("villages")
            .order_by("pk")
        )


@extend_schema(
    parameters=[
        OpenApiParameter(
            "in_force_in",
            OpenApiTypes.INT,
            description="Only the catalogue in force in this year (its own, else the newest"
            " earlier year's).",
        )
    ]
)
class DiseaseViewSet(ReplicaReadsMixin, viewsets.ReadOnlyModelViewSet):
    """The yearly disease catalogue (the same for everybody; edited in the admin)."""

    serializer_class = DiseaseSerializer
    queryset = Disease.objects.order_by("year", "name")
    filterset_fields = ["year", "is_special_outpatient", "is_key_chronic", "is_major_illness"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.query_params.get("in_force_in"):
            found = ReportingPeriod.from_params({"year": self.request.query_params["in_force_in"]})
            if found.errors:
                raise ValidationError({"in_force_in": list(found.errors)})
            queryset = queryset.filter(year=catalogue_year_in_force(found.period.year))
        return queryset


class FollowupViewSet(ReplicaReadsMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Key chronic patients with their follow-up status as of a date (the follow-up engine)."""

    serializer_class = FollowupStatusSerializer
    filter_backends: list = []

    def as_of(self):
        return period_for_api(self.request).as_of

    def get_queryset(self):
        queryset = followups.chronic_patients(
            Person.objects.visible_to(self.request.user), self.as_of()
        ).order_by("pk")
        state = self.request.query_params.get("state")
        if state not in (followups.DUE, followups.OVERDUE, followups.COMPLIANT):
            return queryset
        return followups.in_state(queryset, state)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "as_of", OpenApiTypes.DATE, description="Default: today; 400 if bad or future."
            ),
            OpenApiParameter("state", str, enum=["due", "overdue", "compliant"]),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


router = SimpleRouter()
router.register("signing/contracts", ContractViewSet, basename="signing-contract")
router.register("signing/unsigned", UnsignedViewSet, basename="signing-unsigned")
router.register("signing/chronic", ChronicViewSet, basename="signing-chronic")
router.register("signing/fulfilment", FulfilmentViewSet, basename="signing-fulfilment")
router.register("signing/health-checks", HealthCheckViewSet, basename="signing-health-check")
router.register("signing/diagnoses", DiagnosisViewSet, basename="signing-diagnosis")
router.register("signing/teams", TeamViewSet, basename="signing-team")
router.register("signing/diseases", DiseaseViewSet, basename="signing-disease")
router.register("signing/followups", FollowupViewSet, basename="signing-followup")
urlpatterns = router.urls

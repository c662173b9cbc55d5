"""API of the registry: households and persons, scoped, masked and written like the pages.

- Every queryset goes through ``visible_to(user)`` (lists through the pages' selectors): a
  record outside the caller's places is "not found".
- ID numbers and phones are masked in every answer; the full values come only from the
  audited reveal actions, to users who may reveal (as on the pages).
- Writes go through :mod:`households.services`, so the API refuses what the forms refuse, with
  the same messages under the field's name; the serializers only read the shape of the input.
  Who may write is the pages' rule: ``user.can_edit_registry``.
- An ID number never travels in a URL: searching by one is a POST.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from healthpov.accounts.masking import mask_id_number, mask_phone
from healthpov.db_routing import ReplicaReadsMixin
from healthpov.places.models import Place
from healthpov.service_errors import api_errors
from households import selectors, services
from households.models import Household, Person, PersonStatus, PovertyStatus

# The largest primary key (BigAutoField); a bigger id in a filter is a 400, not a 500.
MAX_ID = 2**63 - 1


class EditsRegistry(permissions.BasePermission):
    """Signed-in users read within their places; writing is for those who keep the registry
    (township staff, village doctors, admins), as on the pages. Actions listed in the view's
    ``reading_actions`` are POSTs that write nothing of the registry."""

    message = _("Only township staff and village doctors change the registry.")

    def has_permission(self, request: Request, view) -> bool:
        if not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, "action", None) in getattr(view, "reading_actions", ()):
            return True
        return request.user.can_edit_registry


# ------------------------------------------------------------------ fields


class MaskedIdNumberField(serializers.CharField):
    """An ID number: written in full, always read masked."""

    def to_representation(self, value) -> str:
        return mask_id_number(value)


class MaskedPhoneField(serializers.CharField):
    """A phone: written in full, always read masked."""

    def to_representation(self, value) -> str:
        return mask_phone(value)


class ChoosableVillageField(serializers.PrimaryKeyRelatedField):
    """A village the user may choose (the household form's list); others do not exist."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("queryset", Place.objects.all())  # the schema's type only
        super().__init__(**kwargs)

    def get_queryset(self):
        return selectors.villages_visible_to(self.context["request"].user)


class ChoosableHouseholdField(serializers.PrimaryKeyRelatedField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("queryset", Household.objects.all())  # the schema's type only
        super().__init__(**kwargs)

    def get_queryset(self):
        return Household.objects.visible_to(self.context["request"].user)


# ------------------------------------------------------------------ serializers


class HouseholdSerializer(serializers.ModelSerializer):
    village = ChoosableVillageField()
    village_name = serializers.CharField(source="village.name", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    phone = MaskedPhoneField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="Read masked. Send the full number to change it; leave it out to keep it.",
    )

    class Meta:
        model = Household
        fields = [
            "id",
            "number",
            "township",
            "township_name",
            "village",
            "village_name",
            "head_name",
            "phone",
            "registration_year",
            "household_type",
            "poverty_status",
            "main_cause",
            "updated_at",
        ]
        read_only_fields = ["township", "updated_at"]
        # The service checks that the number is free (households.services.household_save).
        extra_kwargs = {"number": {"validators": []}}


class PersonSerializer(serializers.ModelSerializer):
    household = ChoosableHouseholdField()
    household_number = serializers.CharField(source="household.number", read_only=True)
    village = serializers.IntegerField(source="household.village_id", read_only=True)
    village_name = serializers.CharField(source="household.village.name", read_only=True)
    township_name = serializers.CharField(source="household.township.name", read_only=True)
    id_number = MaskedIdNumberField(
        max_length=30,
        help_text=(
            "Read masked. Required to create a person; on an update send it only to change it. "
            "Sex and birth date follow it."
        ),
    )
    phone = MaskedPhoneField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="Read masked. Send the full number to change it; leave it out to keep it.",
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "household",
            "household_number",
            "village",
            "village_name",
            "township_name",
            "name",
            "id_number",
            "sex",
            "birth_date",
            "relation",
            "phone",
            "insured",
            "health",
            "status",
            "updated_at",
        ]
        # Status changes are dated and explained: the person's status action.
        read_only_fields = ["sex", "birth_date", "status", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["id_number"].required = False
        return fields


class MemberSerializer(serializers.ModelSerializer):
    id_number = MaskedIdNumberField(read_only=True)
    phone = MaskedPhoneField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_number",
            "sex",
            "birth_date",
            "relation",
            "phone",
            "insured",
            "health",
            "status",
        ]
        read_only_fields = fields


class HouseholdDetailSerializer(HouseholdSerializer):
    members = MemberSerializer(many=True, read_only=True)

    class Meta(HouseholdSerializer.Meta):
        fields = [*HouseholdSerializer.Meta.fields, "members"]


class PersonStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PersonStatus.choices)
    changed_on = serializers.DateField(required=False, help_text="Default: today.")
    reason = serializers.CharField(max_length=200)


class HouseholdStatusSerializer(serializers.Serializer):
    poverty_status = serializers.ChoiceField(choices=PovertyStatus.choices)
    changed_on = serializers.DateField(required=False, help_text="Default: today.")
    reason = serializers.CharField(max_length=200)


class IdSearchSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=30)


class PersonRevealSerializer(serializers.Serializer):
    id_number = serializers.CharField()
    phone = serializers.CharField()


class HouseholdRevealSerializer(serializers.Serializer):
    phone = serializers.CharField()


class HouseholdQuerySerializer(serializers.Serializer):
    """The list's filters; an id that is not a number (or too big to be one) is a 400."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=50)
    village = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    township = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    poverty_status = serializers.ChoiceField(
        choices=PovertyStatus.choices, required=False, allow_blank=True
    )


class PersonQuerySerializer(HouseholdQuerySerializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text="Name or household number. Search by ID number with POST search-by-id.",
    )
    status = serializers.ChoiceField(choices=PersonStatus.choices, required=False, allow_blank=True)


def _query(request: Request, serializer_class: type[serializers.Serializer]) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


# ------------------------------------------------------------------ views


class RegistryViewSet(
    ReplicaReadsMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [EditsRegistry]
    filter_backends: list = []  # the selectors filter, from the parsed query
    reading_actions: tuple[str, ...] = ()
    model: type[Household] | type[Person]

    def save_record(self, record):
        """Write ``record`` through the registry's service (validation and history there)."""
        raise NotImplementedError

    def perform_create(self, serializer):
        with api_errors():
            serializer.instance = self.save_record(self.model(**serializer.validated_data))

    def perform_update(self, serializer):
        record = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(record, name, value)
        with api_errors():
            self.save_record(record)


@extend_schema_view(
    list=extend_schema(parameters=[HouseholdQuerySerializer]),
    retrieve=extend_schema(responses=HouseholdDetailSerializer),
)
class HouseholdViewSet(RegistryViewSet):
    """Households of the caller's places; a household's members come with its detail."""

    serializer_class = HouseholdSerializer
    model = Household
    reading_actions = ("reveal",)

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            data = _query(self.request, HouseholdQuerySerializer)
            filters = selectors.HouseholdFilters(
                q=data.get("q", ""),
                village_id=data.get("village"),
                township_id=data.get("township"),
                poverty_status=data.get("poverty_status", ""),
            )
            return selectors.household_search(user=user, filters=filters)
        households = Household.objects.visible_to(user).select_related("village", "township")
        if self.action == "retrieve":
            members = Person.objects.order_by("relation", "birth_date")
            households = households.prefetch_related(Prefetch("members", queryset=members))
        return households

    def get_serializer_class(self):
        if self.action == "retrieve":
            return HouseholdDetailSerializer
        return HouseholdSerializer

    def save_record(self, record: Household) -> Household:
        return services.household_save(household=record, actor=self.request.user)

    @extend_schema(request=HouseholdStatusSerializer, responses=HouseholdSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk=None) -> Response:
        """Change the poverty status, dated and with a reason (kept in the history)."""
        household = self.get_object()
        data = _validated(HouseholdStatusSerializer, request)
        with api_errors():
            services.household_change_poverty_status(
                household=household,
                poverty_status=data["poverty_status"],
                changed_on=data.get("changed_on") or timezone.localdate(),
                reason=data["reason"],
                actor=request.user,
            )
        household.refresh_from_db()
        return Response(HouseholdSerializer(household, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=HouseholdRevealSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk=None) -> Response:
        """The household's full phone, for users who may reveal; every reveal is recorded."""
        household = self.get_object()
        if not request.user.may_reveal_personal_data:
            raise PermissionDenied
        with api_errors():
            services.personal_data_reveal(
                person=None, household=household, field="phone", actor=request.user
            )
        return Response({"phone": household.phone})


@extend_schema_view(list=extend_schema(parameters=[PersonQuerySerializer]))
class PersonViewSet(RegistryViewSet):
    """Persons of the caller's places; a new person names their household."""

    serializer_class = PersonSerializer
    model = Person
    reading_actions = ("reveal", "search_by_id")

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            data = _query(self.request, PersonQuerySerializer)
            filters = selectors.PersonFilters(
                q=data.get("q", ""),
                village_id=data.get("village"),
                township_id=data.get("township"),
                status=data.get("status", ""),
                poverty_status=data.get("poverty_status", ""),
            )
            return selectors.person_search(user=user, filters=filters)
        return Person.objects.visible_to(user).select_related(
            "household", "household__village", "household__township"
        )

    def save_record(self, record: Person) -> Person:
        return services.person_save(person=record, actor=self.request.user)

    @extend_schema(request=PersonStatusSerializer, responses=PersonSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk=None) -> Response:
        """Change the person's status (died, moved out …), dated and with a reason."""
        person = self.get_object()
        data = _validated(PersonStatusSerializer, request)
        with api_errors():
            services.person_change_status(
                person=person,
                status=data["status"],
                changed_on=data.get("changed_on") or timezone.localdate(),
                reason=data["reason"],
                actor=request.user,
            )
        person.refresh_from_db(fields=["status", "updated_at"])
        return Response(self.get_serializer(person).data)

    @extend_schema(request=IdSearchSerializer, responses=PersonSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="search-by-id")
    def search_by_id(self, request: Request) -> Response:
        """The person with this ID number, if the caller may see them (an empty list
        otherwise). A POST, so the number stays out of URLs and logs."""
        data = _validated(IdSearchSerializer, request)
        persons = selectors.person_search(
            user=request.user, filters=selectors.PersonFilters(id_number=data["id_number"])
        )
        return Response(self.get_serializer(persons, many=True).data)

    @extend_schema(request=None, responses=PersonRevealSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk=None) -> Response:
        """The person's full ID number and phone, for users who may reveal; every reveal is
        recorded."""
        person = self.get_object()
        if not request.user.may_reveal_personal_data:
            raise PermissionDenied
        with api_errors():
            services.personal_data_reveal(
                person=person,
                household=person.household,
                field="id_number,phone",
                actor=request.user,
            )
        return Response({"id_number": person.id_number, "phone": person.phone})


def _validated(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


router = SimpleRouter()
router.register("households/households", HouseholdViewSet, basename="household")
router.register("households/persons", PersonViewSet, basename="person")
urlpatterns = router.urls

"""API of field work on a phone: the offline package out, a batch of offline records in.

``GET /api/field/package/`` and ``POST /api/field/sync/`` (docs/field-sync.md). The
serializers describe the answers for the schema; the package itself is built by
:func:`desk.field.package.field_package` and the records answered by
:func:`desk.field.sync.field_records_sync`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from desk.field.package import field_package
from desk.field.sync import ACCEPTED, DUPLICATE, MAX_BATCH, REFUSED, field_records_sync
from signing import followups

FIELD_TYPES = ["text", "textarea", "date", "number", "decimal", "select", "multiselect", "checkbox"]

# --- the package, for the schema --------------------------------------------------------------


class FieldUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class FieldPlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField(help_text="Township·village, e.g. 杉城镇·龙湖村.")


class FieldHouseholdSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    village_id = serializers.IntegerField()
    village_label = serializers.CharField()
    head_name = serializers.CharField()
    address = serializers.CharField(help_text="The village label (no street address is kept).")
    person_ids = serializers.ListField(child=serializers.IntegerField())
    brochure_done = serializers.BooleanField(help_text="The year's brochure was given.")


class FieldChronicSerializer(serializers.Serializer):
    registration_id = serializers.IntegerField()
    disease_label = serializers.CharField()


class FieldFollowupSerializer(serializers.Serializer):
    quarter = serializers.IntegerField(help_text="The current quarter (1-4).")
    state = serializers.ChoiceField(
        choices=[followups.DUE, followups.DONE, followups.OVERDUE, followups.NOT_DUE]
    )
    next_due_on = serializers.DateField(allow_null=True)


class FieldPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    household_id = serializers.IntegerField()
    name = serializers.CharField()
    sex_label = serializers.CharField()
    age = serializers.IntegerField()
    relation_label = serializers.CharField()
    id_number_masked = serializers.CharField(help_text="Masked: 350429********1234.")
    phone_masked = serializers.CharField(help_text="Masked: 138****5678.")
    health_label = serializers.CharField()
    status_label = serializers.CharField()
    on_roster = serializers.BooleanField()
    signed = serializers.BooleanField()
    unsigned_reason_label = serializers.CharField(allow_null=True)
    chronic = FieldChronicSerializer(many=True)
    followup = FieldFollowupSerializer(allow_null=True)
    booklet_label = serializers.CharField(allow_null=True)


class FieldWorklistsSerializer(serializers.Serializer):
    followups_due = serializers.ListField(child=serializers.IntegerField())
    followups_overdue = serializers.ListField(child=serializers.IntegerField())
    unsigned_without_reason = serializers.ListField(child=serializers.IntegerField())
    households_to_visit = serializers.ListField(child=serializers.IntegerField())
    brochures_missing = serializers.ListField(child=serializers.IntegerField())


class FieldFormFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.ChoiceField(choices=FIELD_TYPES)
    required = serializers.BooleanField()
    choices = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()), allow_null=True
    )
    choices_from = serializers.CharField(
        required=False, help_text="household_members: the choices are the household's persons."
    )
    help = serializers.CharField(allow_null=True)
    min = serializers.DecimalField(max_digits=8, decimal_places=1, required=False)
    max = serializers.DecimalField(max_digits=8, decimal_places=1, required=False)
    max_length = serializers.IntegerField(required=False)
    step = serializers.CharField(required=False)
    initial = serializers.CharField(required=False)


class FieldFormSerializer(serializers.Serializer):
    title = serializers.CharField()
    target = serializers.ChoiceField(choices=["person", "household"])
    fields = FieldFormFieldSerializer(many=True)


class FieldPackageSerializer(serializers.Serializer):
    version = serializers.CharField(help_text="The ETag's value (without its quotes).")
    generated_at = serializers.DateTimeField()
    user = FieldUserSerializer()
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    places = FieldPlaceSerializer(many=True)
    households = FieldHouseholdSerializer(many=True)
    persons = FieldPersonSerializer(many=True)
    worklists = FieldWorklistsSerializer()
    forms = serializers.DictField(
        child=FieldFormSerializer(),
        help_text="By kind: followup, fulfilment, health_check, unsigned_reason.",
    )


def _etag(version: str) -> str:
    return f'"{version}"'


def _matches(if_none_match: str, version: str) -> bool:
    """``If-None-Match`` names this version (quoted or not, weak or not, or ``*``)."""
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag == "*" or tag.strip('"') == version:
            return True
    return False


def _private(response: Response) -> Response:
    response["Cache-Control"] = "private, no-store"
    patch_vary_headers(response, ("Cookie", "Authorization"))
    return response


@extend_schema(
    operation_id="field_package",
    summary="The offline package of the signed-in user's places",
    parameters=[
        OpenApiParameter(
            "If-None-Match",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            description="The ETag of the package the phone holds: 304 when unchanged.",
        )
    ],
    responses={
        200: FieldPackageSerializer,
        304: OpenApiResponse(description="The package is unchanged (no body)."),
    },
)
@api_view(["GET"])
def package(request: Request) -> Response:
    content = field_package(user=request.user)
    version = content["version"]
    if _matches(request.headers.get("If-None-Match", ""), version):
        response = Response(status=304)
    else:
        response = Response(content)
    response["ETag"] = _etag(version)
    return _private(response)


# --- the sync ----------------------------------------------------------------------------------


class FieldRecordSerializer(serializers.Serializer):
    """One record as the phone queued it (checked record by record, not here)."""

    uuid = serializers.CharField(help_text="A UUID (version 4) made on the phone.")
    kind = serializers.ChoiceField(
        choices=["followup", "fulfilment", "health_check", "unsigned_reason"]
    )
    person = serializers.IntegerField(required=False, help_text="For kinds whose target is person.")
    household = serializers.IntegerField(
        required=False, help_text="For kinds whose target is household."
    )
    queued_by = serializers.IntegerField(help_text="The id of the user signed in when queued.")
    queued_at = serializers.DateTimeField()
    data = serializers.DictField(help_text="The form's fields (see the package's forms).")


class FieldSyncRequestSerializer(serializers.Serializer):
    records = serializers.ListField(child=FieldRecordSerializer(), max_length=MAX_BATCH)


class FieldSyncResultSerializer(serializers.Serializer):
    uuid = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=[ACCEPTED, DUPLICATE, REFUSED])
    record_id = serializers.IntegerField(allow_null=True)
    message = serializers.CharField(allow_null=True)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), allow_null=True
    )


class FieldSyncResponseSerializer(serializers.Serializer):
    results = FieldSyncResultSerializer(many=True)


@extend_schema(
    operation_id="field_sync",
    summary="Send records made offline; each is answered on its own, in order",
    request=FieldSyncRequestSerializer,
    responses={200: FieldSyncResponseSerializer},
)
@api_view(["POST"])
def sync(request: Request) -> Response:
    records = request.data.get("records") if isinstance(request.data, dict) else None
    if not isinstance(records, list):
        raise ValidationError({"records": [_("Send a list of records.")]})
    try:
        results = field_records_sync(user=request.user, records=records)
    except DjangoValidationError as error:
        raise ValidationError({"records": error.messages}) from None
    return _private(Response({"results": results}))


urlpatterns = [
    # The package sets the CSRF cookie: a session caller (the PWA) sends it back as X-CSRFToken
    # with the sync, possibly long after, from a page it loaded offline.
    path("field/package/", ensure_csrf_cookie(package), name="field-package"),
    path("field/sync/", sync, name="field-sync"),
]

"""API of the remediation app; every viewset's queryset goes through ``visible_to(user)``.

Items are read by everyone within their places; a state change is a POST to
``items/{id}/transition/`` and goes through the same service as the page: a stale
``expected_state`` answers 409 Conflict, a step not allowed answers 400.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from healthpov.api_fields import ScopedModelSerializer
from healthpov.db_routing import ReplicaReadsMixin
from healthpov.places.scoping import get_visible_or_404
from healthpov.service_errors import api_errors
from remediation import selectors, services
from remediation.models import Item, ItemTransition


class ItemSerializer(ScopedModelSerializer):
    township_name = serializers.CharField(source="township.name", read_only=True, default="")
    responsible_unit = serializers.CharField(read_only=True)
    source_label = serializers.CharField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Item
        fields = [
            "id",
            "source",
            "source_label",
            "finding",
            "feedback_document",
            "reopened_from",
            "problem",
            "measures",
            "responsible_leader",
            "responsible_unit",
            "deadline",
            "place",
            "township",
            "township_name",
            "state",
            "overdue_since",
            "is_overdue",
            "version",
            "submitted_at",
            "closed_at",
        ]


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[a for a in ItemTransition.Action.values if a in services.TRANSITIONS]
    )
    # The state the caller saw; plain text so the schema keeps one enum for item states.
    expected_state = serializers.CharField(max_length=20)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ItemViewSet(ReplicaReadsMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ItemSerializer
    filterset_fields = ["state", "township", "source"]

    def get_queryset(self):
        return selectors.items_for(self.request.user)

    @extend_schema(request=TransitionSerializer, responses={200: ItemSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        item = get_visible_or_404(Item, request.user, pk=pk)
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with api_errors():
            item = services.item_transition(
                item_id=item.pk, actor=request.user, **data.validated_data
            )
        return Response(ItemSerializer(item).data)


router = SimpleRouter()
router.register("remediation/items", ItemViewSet, basename="remediation-item")
urlpatterns = router.urls

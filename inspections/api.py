"""API of the inspections app; every viewset's queryset goes through ``visible_to(user)``.

Inspectors see the campaigns and findings of their groups' places, township staff their
township's, county staff the whole county. Read-only: findings are recorded on the pages,
where photos are checked.
"""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter

from healthpov.api_fields import ScopedModelSerializer
from healthpov.db_routing import ReplicaReadsMixin
from inspections import selectors
from inspections.models import Campaign, ChecklistItem, Finding


class ChecklistItemSerializer(ScopedModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "number", "title", "deduction"]


class CampaignSerializer(ScopedModelSerializer):
    checklist_items = ChecklistItemSerializer(many=True, read_only=True)
    finding_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "kind",
            "document_number",
            "starts_on",
            "ends_on",
            "starting_score",
            "checklist_items",
            "finding_count",
        ]


class FindingSerializer(ScopedModelSerializer):
    township_name = serializers.CharField(source="township.name", read_only=True)
    place_name = serializers.CharField(source="place.name", read_only=True)
    deduction = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    photo_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "campaign",
            "township",
            "township_name",
            "place",
            "place_name",
            "institution",
            "household",
            "checklist_item",
            "category",
            "description",
            "person_times",
            "deduction",
            "found_on",
            "inspector",
            "photo_count",
        ]
        read_only_fields = fields  # the API only reads findings (they are recorded on pages)


class CampaignViewSet(ReplicaReadsMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CampaignSerializer

    def get_queryset(self):
        return selectors.campaigns_for(self.request.user).prefetch_related("checklist_items")


class FindingViewSet(ReplicaReadsMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = FindingSerializer
    filterset_fields = ["campaign", "township", "category", "checklist_item"]

    def get_queryset(self):
        return selectors.findings_for(self.request.user).order_by("-found_on", "-id")


router = SimpleRouter()
router.register("inspections/campaigns", CampaignViewSet, basename="inspection-campaign")
router.register("inspections/findings", FindingViewSet, basename="inspection-finding")
urlpatterns = router.urls

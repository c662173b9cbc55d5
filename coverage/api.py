"""API of the coverage app; every answer is limited to the caller's places."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from coverage import indicators as ind
from coverage.exports import plain_value
from coverage.models import Snapshot
from coverage.selectors import compute_table
from coverage.serializers import IndicatorSerializer, PlaceFiguresSerializer, SnapshotSerializer
from healthpov.db_routing import ReplicaReadsMixin, reads_replica
from healthpov.period import period_for_api
from healthpov.places.models import Place
from healthpov.places.scoping import get_visible_or_404, places_visible_to


@extend_schema(responses=IndicatorSerializer(many=True))
@api_view(["GET"])
def indicator_list(request: Request) -> Response:
    """Every indicator of the registry: code, label, kind and what a rate divides."""
    data = [
        {
            "code": i.code,
            "label": str(i.label),
            "kind": i.kind,
            "unit": i.unit,
            "numerator": i.numerator,
            "denominator": i.denominator,
            "auxiliary": i.auxiliary,
            "available": i.available(),
        }
        for i in ind.INDICATORS
    ]
    return Response(IndicatorSerializer(data, many=True).data)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "year", int, description="Reporting year (default: this year; 400 if bad)."
        ),
        OpenApiParameter(
            "as_of", str, description="YYYY-MM-DD (default: today, or 31 Dec of a past year)."
        ),
    ],
    responses=PlaceFiguresSerializer(many=True),
)
@api_view(["GET"])
@reads_replica
def place_figures(request: Request, pk: int) -> Response:
    """Live figures of a place and the places under it that the caller may see."""
    place = get_visible_or_404(Place, request.user, pk=pk)
    table = compute_table(period_for_api(request), root=place)
    visible = set(
        places_visible_to(request.user)
        .filter(path__startswith=place.path)
        .values_list("pk", flat=True)
    )
    rows = [
        {
            "place": row.name,
            "place_id": row.place_id,
            "level": row.level,
            "values": {i.code: plain_value(i, row.values.get(i.code)) for i in ind.INDICATORS},
        }
        for row in table.rows
        if row.place_id in visible
    ]
    return Response(PlaceFiguresSerializer(rows, many=True).data)


class SnapshotViewSet(ReplicaReadsMixin, viewsets.ReadOnlyModelViewSet):
    """Stored indicator values by date (trends); filter by year, date, code, place."""

    serializer_class = SnapshotSerializer
    filterset_fields = ["year", "date", "code", "place"]

    def get_queryset(self):
        return (
            Snapshot.objects.visible_to(self.request.user)
            .select_related("place")
            .order_by("-date", "place__path", "code")
        )


router = SimpleRouter()
router.register("coverage/snapshots", SnapshotViewSet, basename="coverage-snapshot")
urlpatterns = [
    path("coverage/indicators/", indicator_list, name="coverage-indicator-list"),
    path("coverage/places/<int:pk>/figures/", place_figures, name="coverage-place-figures"),
    *router.urls,
]

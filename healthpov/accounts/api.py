"""API for the signed-in user and the places they may see."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from healthpov.places.models import Place
from healthpov.places.scoping import places_visible_to


class PlaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Place
        fields = ["id", "name", "level", "parent", "code"]


class PlaceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PlaceSerializer
    filterset_fields = ["level", "parent"]

    def get_queryset(self):
        return places_visible_to(self.request.user).order_by("path")


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField()
    place = serializers.CharField(allow_null=True)


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    user = request.user
    return Response(
        {
            "username": user.username,
            "role": user.role,
            "place": str(user.place) if user.place else None,
        }
    )


router = SimpleRouter()
router.register("places", PlaceViewSet, basename="place")
urlpatterns = [path("me/", me, name="api-me"), *router.urls]

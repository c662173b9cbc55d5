"""API for the signed-in user and the places they may see, and the token endpoint."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from healthpov.accounts.authentication import token_expired
from healthpov.api_fields import ScopedModelSerializer
from healthpov.db_routing import ReplicaReadsMixin
from healthpov.places.models import Place
from healthpov.places.scoping import places_visible_to

LOCKED_MESSAGE = _(
    "Too many failed log-in attempts for this user name. It is locked for 15 minutes; "
    "try again later or ask the administrator."
)


class PlaceSerializer(ScopedModelSerializer):
    class Meta:
        model = Place
        fields = ["id", "name", "level", "parent", "code"]


class PlaceViewSet(ReplicaReadsMixin, viewsets.ReadOnlyModelViewSet):
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


class ObtainTokenView(ObtainAuthToken):
    """POST username and password, get the user's API token (``Authorization: Token <key>``).

    DRF's serializer calls ``authenticate(request=...)``, so django-axes counts failures here
    exactly as on the login form: five wrong passwords lock the user name for 15 minutes.
    """

    def post(self, request: Request, *args, **kwargs) -> Response:
        try:
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # Axes marks the request it was given (DRF's, not Django's), so its middleware
            # cannot answer for us: say plainly that the account is locked.
            if getattr(request, "axes_locked_out", False):
                raise PermissionDenied(LOCKED_MESSAGE) from None
            raise
        user = serializer.validated_data["user"]
        token, created = Token.objects.get_or_create(user=user)
        if not created and token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        return Response({"token": token.key})


obtain_token = ObtainTokenView.as_view()

router = SimpleRouter()
router.register("places", PlaceViewSet, basename="place")
urlpatterns = [path("me/", me, name="api-me"), *router.urls]

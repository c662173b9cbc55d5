"""API of the households app; every viewset's queryset goes through ``visible_to(user)``."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
urlpatterns = router.urls

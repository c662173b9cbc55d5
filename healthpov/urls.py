"""The ground's URLs (accounts, notifications, the admin, the API schema and token);
desk.urls, the root URLconf, includes them with every app's."""

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from healthpov.accounts import api as account_api

urlpatterns = [
    # Browsers ask for /favicon.ico on pages that name no icon (the admin): answer, don't 404.
    path(
        "favicon.ico",
        # lazy: the hashed name is looked up per request, not when the URLconf is imported
        RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=True),
        name="favicon",
    ),
    path("accounts/", include("healthpov.accounts.urls")),
    path("notifications/", include("healthpov.notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view loads its start-up script from a URL: our CSP forbids inline scripts.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("api/token/", account_api.obtain_token, name="api-token"),
    path("api/", include("healthpov.accounts.api")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

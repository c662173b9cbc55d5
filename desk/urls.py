"""The root URLconf: the ground's URLs, every app's, and the pages of this layer.

Each app's namespace keeps its names and paths. Where a page of an app shows sections of apps
above it (the household's case file, its printable sheet, a finding's remediation items), the
app's own view is routed here with a template of this layer that adds those sections; the
pages of this layer that belong in an app's namespace (raise-as-a-finding) are added to it.
"""

from types import ModuleType

from django.urls import URLPattern, include, path

from desk import phone, views
from households import urls as household_urls
from households import views as household_views
from inspections import urls as inspection_urls
from inspections import views as inspection_views
from signing import urls as signing_urls
from signing import views as signing_views


def _namespace(
    urls: ModuleType, *, replace: tuple[URLPattern, ...] = (), add: tuple[URLPattern, ...] = ()
) -> tuple[list, str]:
    """``urls``' patterns under its own namespace, some replaced (same name), some added."""
    by_name = {pattern.name: pattern for pattern in replace}
    patterns = [by_name.pop(getattr(p, "name", None), p) for p in urls.urlpatterns]
    if by_name:
        raise ValueError(f"no pattern to replace in {urls.__name__}: {sorted(by_name)}")
    return [*patterns, *add], urls.app_name


urlpatterns = [
    path("", views.home, name="home"),
    path("admin/start-year/", views.start_year, name="start_year"),
    path("field/", phone.field_page, name="field"),
    # The service worker must come from the root to control every page (docs/field-sync.md).
    path("sw.js", phone.service_worker, name="service_worker"),
    path("manifest.webmanifest", phone.web_manifest, name="web_manifest"),
    path("", include("healthpov.urls")),
    path(
        "households/",
        include(
            _namespace(
                household_urls,
                replace=(
                    path(
                        "<int:pk>/",
                        household_views.household_detail,
                        {"template_name": "desk/household_detail.html"},
                        name="household_detail",
                    ),
                ),
            )
        ),
    ),
    path(
        "signing/",
        include(
            _namespace(
                signing_urls,
                replace=(
                    path(
                        "households/<int:pk>/sheet/",
                        signing_views.household_sheet,
                        {"template_name": "desk/household_sheet.html"},
                        name="household_sheet",
                    ),
                ),
            )
        ),
    ),
    path("treatment/", include("treatment.urls")),
    path("coverage/", include("coverage.urls")),
    path(
        "inspections/",
        include(
            _namespace(
                inspection_urls,
                replace=(
                    path(
                        "findings/<int:pk>/",
                        inspection_views.finding_detail,
                        {"template_name": "desk/finding_detail.html"},
                        name="finding_detail",
                    ),
                ),
                add=(path("raise/", views.raise_finding, name="raise_finding"),),
            )
        ),
    ),
    path("remediation/", include("remediation.urls")),
    path("api/", include("households.api")),
    path("api/", include("signing.api")),
    path("api/", include("treatment.api")),
    path("api/", include("coverage.api")),
    path("api/", include("inspections.api")),
    path("api/", include("remediation.api")),
    path("api/", include("desk.field.api")),
]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoverageConfig(AppConfig):
    name = "coverage"
    verbose_name = _("Indicators")

    def ready(self) -> None:
        from coverage import receivers  # noqa: F401  (connects the registry-changed receiver)

from django.apps import AppConfig
from django.core.checks import register
from django.utils.translation import gettext_lazy as _

from healthpov.checks import celery_visibility_timeout_exceeds_task_time_limit


class OperationsConfig(AppConfig):
    """Running the service: backup and restore, the pending-dispatch sweep. No models."""

    name = "healthpov.operations"
    label = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        register(celery_visibility_timeout_exceeds_task_time_limit)

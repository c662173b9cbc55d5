from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the service: backup and restore, the pending-dispatch sweep. No models."""

    name = "healthpov.operations"
    label = "operations"
    verbose_name = "Operations"

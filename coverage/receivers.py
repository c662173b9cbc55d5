"""Receivers of the ground's events (healthpov.operations.signals): each calls one service."""

from django.dispatch import receiver

from coverage import services
from healthpov.operations.signals import registry_changed


@receiver(registry_changed, dispatch_uid="coverage_recompute_after_registry_change")
def _recompute_after_registry_change(sender, *, years, places=None, **kwargs) -> None:
    services.recompute_after_registry_change(years=years, places=places)

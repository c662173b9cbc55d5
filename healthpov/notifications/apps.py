from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """In-app notifications (the bell) and their e-mail copies; any app may notify a user."""

    name = "healthpov.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

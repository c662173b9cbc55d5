from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """The top layer: what needs several apps at once (the per-role home page, the morning
    reminders, raise-as-a-finding, pages composed of several apps' sections, the root URLconf).
    The layers are declared in pyproject.toml ([tool.importlinter])."""

    name = "desk"
    verbose_name = _("Desk")

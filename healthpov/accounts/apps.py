from django.apps import AppConfig
from django.core.checks import Tags, register
from django.utils.translation import gettext_lazy as _

from healthpov.checks import template_library_names_used_once


class AccountsConfig(AppConfig):
    name = "healthpov.accounts"
    label = "accounts"
    verbose_name = _("Users")

    def ready(self) -> None:
        # django.contrib.admin (first in INSTALLED_APPS) has imported every app's admin.py by
        # now; models that still have no admin page get a plain one.
        from healthpov.accounts import signals  # noqa: F401  (connects the token receivers)
        from healthpov.accounts.admin_fallback import register_remaining_models

        register_remaining_models()
        register(template_library_names_used_once, Tags.templates)

"""django-axes as installed here (INSTALLED_APPS names this config, not ``axes``).

Its admin section would be titled "Axes" (the app has no verbose name); this one is translated.
Kept out of ``apps.py``, where a second AppConfig would stop Django picking AccountsConfig.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    verbose_name = _("Login protection")

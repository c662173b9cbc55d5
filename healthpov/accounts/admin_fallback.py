"""Every model of the project gets an admin page, even before its app writes one.

The issue asks for "Django admin for every model". Apps register their own ``ModelAdmin`` in
``<app>/admin.py`` (autodiscovered first, so theirs always wins); any model still missing
afterwards is registered here with a plain, safe admin: history when the model keeps one,
related objects picked by id (a select box of every person would render thousands of
options), foreign keys joined on the list, and no ``COUNT(*)`` of big tables.
``tests/foundation/test_admin.py`` proves every model is reachable and its pages load.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalChanges


def project_models() -> list[type[models.Model]]:
    """The concrete models of the project's own apps (not libraries, not history tables)."""
    base = Path(settings.BASE_DIR).resolve()
    return [
        model
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        # a virtualenv inside the checkout (.venv) holds libraries, not the project's apps
        and "site-packages" not in Path(config.path).parts
        for model in config.get_models()
        if not issubclass(model, HistoricalChanges)
    ]


def fallback_admin_for(model: type[models.Model]) -> type[admin.ModelAdmin]:
    fields = [field for field in model._meta.get_fields() if field.concrete]
    relations = [f.name for f in fields if f.many_to_one or f.one_to_one]
    many_auto = [
        f.name for f in fields if f.many_to_many and f.remote_field.through._meta.auto_created
    ]
    filters = [
        f.name for f in fields if f.choices or (isinstance(f, models.BooleanField) and f.editable)
    ][:4]
    base_class = (
        SimpleHistoryAdmin
        if hasattr(model._meta, "simple_history_manager_attribute")
        else admin.ModelAdmin
    )
    return type(
        f"{model.__name__}FallbackAdmin",
        (base_class,),
        {
            "list_display": ["__str__", *[f for f in filters if f not in relations]],
            "list_filter": filters,
            "list_select_related": bool(relations),
            "raw_id_fields": relations,
            "filter_horizontal": many_auto,
            "show_full_result_count": False,
            "list_per_page": 50,
        },
    )


def register_remaining_models(site: admin.AdminSite = admin.site) -> list[type[models.Model]]:
    registered = []
    for model in project_models():
        if not site.is_registered(model):
            site.register(model, fallback_admin_for(model))
            registered.append(model)
    return registered

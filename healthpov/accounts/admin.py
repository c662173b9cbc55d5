from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy
from simple_history.models import HistoricalChanges

from healthpov.accounts.models import ExportReveal, User

# The admin site is the accounts app's: its titles are translated with the rest of it.
admin.site.site_header = _("Health poverty alleviation management")
admin.site.site_title = _("Health poverty alleviation management")
admin.site.index_title = _("System administration")


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    """Permissions named in the reader's language.

    The rows of auth_permission hold English names written when each model was migrated
    ("Can add booklet"). The default ones are named again here from their action and the
    model's translated verbose name, so a new model needs nothing; others keep their name.
    """

    def label_from_instance(self, obj: Permission) -> str:
        model = obj.content_type.model_class()
        if model is None:  # a content type whose model is gone
            return str(obj)
        opts = model._meta
        model_name = readable_model_name(model)
        action = obj.codename.removesuffix(f"_{opts.model_name}")
        name = obj.name
        if action in opts.default_permissions and action in DEFAULT_PERMISSION_NAMES:
            name = str(DEFAULT_PERMISSION_NAMES[action]) % {"model": model_name}
        return f"{opts.app_config.verbose_name} | {model_name} | {name}"


def readable_model_name(model: type[Model]) -> str:
    """The model's verbose name, also for django-simple-history's tables, which it names in
    English ("historical <name>", "HistoricalTeam_villages" for a many-to-many field's)."""
    if not issubclass(model, HistoricalChanges):
        return model._meta.verbose_name
    if hasattr(model, "m2m_history_id"):  # a many-to-many field's history
        through = model.instance_type
        owner = through._meta.auto_created
        if not owner:  # an explicit through model has a name of its own
            recorded = through._meta.verbose_name
        else:
            field = next(f for f in owner._meta.many_to_many if f.remote_field.through is through)
            recorded = pgettext("permission", "%(model)s's %(field)s") % {
                "model": owner._meta.verbose_name,
                "field": field.verbose_name,
            }
    else:
        recorded = model.instance_type._meta.verbose_name
    return pgettext("permission", "historical %(model)s") % {"model": recorded}


DEFAULT_PERMISSION_NAMES = {
    "add": pgettext_lazy("permission", "Can add %(model)s"),
    "change": pgettext_lazy("permission", "Can change %(model)s"),
    "delete": pgettext_lazy("permission", "Can delete %(model)s"),
    "view": pgettext_lazy("permission", "Can view %(model)s"),
}


class PermissionLabelsMixin:
    """For the admins of users and groups: their permission lists use the translated names."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["form_class"] = PermissionChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionLabelsMixin, DjangoGroupAdmin):
    pass


@admin.register(User)
class UserAdmin(PermissionLabelsMixin, DjangoUserAdmin):
    list_display = [
        "username",
        "last_name",
        "first_name",
        "role",
        "place",
        "institution",
        "is_active",
    ]
    list_filter = ["role", "is_active", "is_staff"]
    list_select_related = ["place", "institution"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Role and place"), {"fields": ("role", "place", "institution", "phone")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and place"), {"fields": ("role", "place", "institution")}),
    )
    autocomplete_fields = ["place", "institution"]


@admin.register(ExportReveal)
class ExportRevealAdmin(admin.ModelAdmin):
    list_display = ["revealed_at", "user", "export", "rows", "parameters"]
    list_filter = ["export"]
    list_select_related = ["user"]
    readonly_fields = ["revealed_at", "user", "export", "rows", "parameters"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

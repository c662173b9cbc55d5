from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from healthpov.accounts.models import ExportReveal, User

# The admin site is the accounts app's: its titles are translated with the rest of it.
admin.site.site_header = _("Health poverty alleviation management")
admin.site.site_title = _("Health poverty alleviation management")
admin.site.index_title = _("System administration")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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

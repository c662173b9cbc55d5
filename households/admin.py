"""Admin of the registry, with django-import-export for households and persons.

The resources reuse the roster's validation: the same cell normalisers and value tables as
``households.ledgers`` and the same resident-ID check (sex and birth date follow from the ID).
Import only: import-export's export page has inline styles and handlers that the CSP blocks,
and the roster export of the registry pages (masked) covers exports. Large rosters belong to the
import engine (upload page or ``import_roster``); the admin import
is for small corrections by IT staff.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.admin import ImportMixin
from simple_history.admin import SimpleHistoryAdmin

from healthpov.accounts.masking import mask_id_number
from healthpov.exports import neutralise
from healthpov.places.models import Place
from households import ledgers
from households.idnumber import parse_resident_id
from households.imports import normalise
from households.imports.ledgers import ledger_kinds
from households.models import Household, ImportBatch, Person, RevealLog, RosterEntry, StatusChange


class ParserWidget(widgets.Widget):
    """A widget that reads a cell with one of the import engine's parsers."""

    def __init__(self, parser: normalise.Parser, *, blank: Any = "") -> None:
        super().__init__()
        self.parser = parser
        self.blank = blank

    def clean(self, value, row=None, **kwargs):
        if normalise.is_blank(value):
            return self.blank
        try:
            return self.parser(value)
        except normalise.CellError as exc:
            raise ValueError(exc.message) from None

    def render(self, value, obj=None, **kwargs):
        return neutralise("" if value is None else str(value))


class IdNumberWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        try:
            return normalise.id_number(value).number
        except normalise.CellError as exc:
            raise ValueError(exc.message) from None

    def render(self, value, obj=None, **kwargs):
        return mask_id_number(value)  # exports are masked


class HouseholdResource(resources.ModelResource):
    number = fields.Field("number", "户编号", ParserWidget(normalise.text(40)))
    village = fields.Field("village", "行政村ID", widgets.ForeignKeyWidget(Place, "pk"))
    head_name = fields.Field("head_name", "户主", ParserWidget(normalise.text(50)))
    household_type = fields.Field(
        "household_type",
        "贫困户属性",
        ParserWidget(normalise.choice(ledgers.HOUSEHOLD_TYPE_VALUES), blank="general"),
    )
    poverty_status = fields.Field(
        "poverty_status",
        "脱贫状态",
        ParserWidget(normalise.choice(ledgers.POVERTY_VALUES), blank="not_out"),
    )
    main_cause = fields.Field(
        "main_cause",
        "主要致贫原因",
        ParserWidget(normalise.choice(ledgers.CAUSE_VALUES, strip=("致贫", "返贫"))),
    )
    registration_year = fields.Field(
        "registration_year", "识别年度", ParserWidget(normalise.year, blank=None)
    )

    class Meta:
        model = Household
        import_id_fields = ["number"]
        fields = (
            "number",
            "village",
            "head_name",
            "household_type",
            "poverty_status",
            "main_cause",
            "registration_year",
        )
        skip_unchanged = True
        clean_model_instances = True

    def before_save_instance(self, instance, row, **kwargs):
        instance.township = instance.village.parent


class PersonResource(resources.ModelResource):
    id_number = fields.Field("id_number", "身份证号码", IdNumberWidget())
    name = fields.Field("name", "姓名", ParserWidget(normalise.text(50)))
    household = fields.Field("household", "户编号", widgets.ForeignKeyWidget(Household, "number"))
    relation = fields.Field(
        "relation", "与户主关系", ParserWidget(normalise.choice(ledgers.RELATION_VALUES))
    )
    health = fields.Field(
        "health", "健康状况", ParserWidget(normalise.choice(ledgers.HEALTH_VALUES), blank="healthy")
    )
    status = fields.Field(
        "status",
        "人员状态",
        ParserWidget(normalise.choice(ledgers.PERSON_STATUS_VALUES), blank="normal"),
    )
    insured = fields.Field("insured", "是否参保", ParserWidget(normalise.yes_no, blank=True))

    class Meta:
        model = Person
        import_id_fields = ["id_number"]
        fields = ("id_number", "name", "household", "relation", "health", "status", "insured")
        skip_unchanged = True
        clean_model_instances = True

    def before_save_instance(self, instance, row, **kwargs):
        resident = parse_resident_id(instance.id_number)
        instance.sex, instance.birth_date = resident.sex, resident.birth_date

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if instance.id_number:
            try:
                resident = parse_resident_id(instance.id_number)
            except ValidationError:
                return
            # full_clean() runs after this: sex and birth date must be set from the ID first.
            instance.sex, instance.birth_date = resident.sex, resident.birth_date


@admin.register(Household)
class HouseholdAdmin(ImportMixin, SimpleHistoryAdmin):
    resource_classes = [HouseholdResource]
    list_display = ["number", "head_name", "township", "village", "poverty_status", "main_cause"]
    list_filter = ["poverty_status", "household_type", "main_cause"]
    search_fields = ["number", "head_name"]
    raw_id_fields = ["township", "village"]


@admin.register(Person)
class PersonAdmin(ImportMixin, SimpleHistoryAdmin):
    resource_classes = [PersonResource]
    list_display = ["name", "masked_id", "household", "relation", "status"]
    list_filter = ["status", "health", "relation"]
    search_fields = ["name", "household__number"]
    raw_id_fields = ["household", "created_by"]

    @admin.display(description=_("resident ID number"))
    def masked_id(self, person: Person) -> str:
        return mask_id_number(person.id_number)


class LedgerKindFilter(admin.SimpleListFilter):
    """Batches by ledger, named by the ledger's label rather than its ``kind`` code."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind, ledger.label) for kind, ledger in ledger_kinds().items()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "ledger",
        "status",
        "row_count",
        "error_count",
        "created_by",
        "created_at",
    ]
    list_filter = [LedgerKindFilter, "status"]
    readonly_fields = [field.name for field in ImportBatch._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("kind"), ordering="kind")
    def ledger(self, batch: ImportBatch) -> str:
        ledger = ledger_kinds().get(batch.kind)
        return ledger.label if ledger else batch.kind


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    list_display = [
        "changed_on",
        "household",
        "person",
        "field",
        "old_value",
        "new_value",
        "source",
        "actor",
    ]
    list_filter = ["field", "source"]
    raw_id_fields = ["household", "person", "batch", "actor"]


@admin.register(RosterEntry)
class RosterEntryAdmin(admin.ModelAdmin):
    list_display = ["person", "year", "left_on"]
    list_filter = ["year"]
    raw_id_fields = ["person", "batch", "left_batch"]


@admin.register(RevealLog)
class RevealLogAdmin(admin.ModelAdmin):
    list_display = ["revealed_at", "user", "household", "person", "field"]
    readonly_fields = ["revealed_at", "user", "household", "person", "field"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

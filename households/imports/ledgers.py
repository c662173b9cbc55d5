"""Declaring a ledger: its columns, its checks across rows and its writes.

See the package docstring (:mod:`households.imports`) for a complete example.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from healthpov.places.models import Institution
from healthpov.places.scoping import hospitals_choosable_by
from households.imports import normalise
from households.imports.normalise import Parser, text

if TYPE_CHECKING:
    from django.db import models

    from healthpov.accounts.models import User
    from households.models import ImportBatch, Person


@dataclass(frozen=True)
class Column:
    """One column of a ledger.

    ``field``: the key of the parsed value in ``row.values``; ``headers``: the header texts
    accepted (the first is shown in messages); ``parse``: a parser from
    :mod:`households.imports.normalise` (blank cells give ``None`` without calling it);
    ``required``: the column must exist and its cells must not be blank.
    """

    field: str
    headers: tuple[str, ...]
    parse: Parser = field(default_factory=text)
    required: bool = False

    @property
    def label(self) -> str:
        return self.headers[0]


# Every header under which offices write the resident ID number; every ledger keyed by the
# person accepts all of them (tests/households/test_ledger_headers.py checks each ledger).
ID_NUMBER_HEADERS: tuple[str, ...] = (
    "身份证号",
    "身份证号码",
    "证件号码",
    "公民身份号码",
    "身份证",
)
ID_NUMBER_COLUMN = Column("id_number", ID_NUMBER_HEADERS, normalise.id_number, required=True)


class Row:
    """One data row: its Excel row number, parsed values and errors.

    ``row["field"]`` (or ``row.get("field")``) is the parsed value, ``None`` for a blank or
    unreadable cell; ``row.values`` gives them all as a dict. Rows are kept small on purpose:
    an import holds 100,000 of them.
    """

    __slots__ = ("_extra", "_index", "cells", "data", "errors", "number", "person")

    def __init__(self, number: int, cells: Sequence[Any], index: dict[str, int]) -> None:
        self.number = number
        self.cells = cells
        self._index = index
        self.errors: list[tuple[str | None, str]] | None = None
        self.person: Person | None = None  # set by PersonLedger
        self._extra: dict[str, Any] | None = None
        # A ledger's own value for the row: one object, much smaller than ``extra``'s dict.
        self.data: Any = None

    def error(self, field_name: str | None, message: str) -> None:
        """Record an error on this row; ``field_name`` names the column (None: the whole row)."""
        if self.errors is None:
            self.errors = []
        self.errors.append((field_name, message))

    @property
    def ok(self) -> bool:
        return not self.errors

    def __getitem__(self, key: str) -> Any:
        return self.cells[self._index[key]]

    def get(self, key: str, default: Any = None) -> Any:
        value = self[key]
        return default if value is None else value

    @property
    def values(self) -> dict[str, Any]:
        return {key: self.cells[i] for key, i in self._index.items() if self.cells[i] is not None}

    @property
    def extra(self) -> dict[str, Any]:
        """Free space for a ledger's own lookups."""
        if self._extra is None:
            self._extra = {}
        return self._extra


@dataclass
class ImportContext:
    """What a ledger may know about the import it runs in."""

    user: User | None  # None: a command run by the operator, no scoping
    options: dict[str, Any] = field(default_factory=dict)
    batch: ImportBatch | None = None
    dry_run: bool = False
    today: datetime.date = field(default_factory=timezone.localdate)
    progress: Callable[[float], None] = lambda fraction: None

    def scoped(self, queryset):
        """``queryset`` limited to what the importing user may see (all of it for commands)."""
        if self.user is None:
            return queryset
        return queryset.visible_to(self.user)

    def hospitals(self):
        """Institutions a row may name as a hospital (``hospitals_choosable_by``; all for
        commands)."""
        if self.user is None:
            return Institution.objects.all()
        return hospitals_choosable_by(self.user)


class ImportRefused(Exception):
    """Raised by a ledger's ``apply`` (before or during its writes) to refuse the whole import
    with a message for the user; the engine rolls the transaction back."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Ledger:
    """Base class of every importable ledger. Subclass, declare, register.

    Class attributes: ``kind`` (unique name used by ``import_ledger KIND PATH`` and the upload
    page), ``label`` (shown to users), ``columns``, ``key`` (the field whose column must be in
    the header: without it the file is refused as having "no ID column").

    Override ``validate(rows)`` for checks across rows and against the database (add errors
    with ``row.error(field, message)``), ``plan(rows)`` for preview counts, and
    ``apply(rows)`` for the writes: it runs inside the engine's single transaction, gets only
    rows without errors, must use bulk writes and returns the counts to show.
    """

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    columns: ClassVar[list[Column]] = []
    key: ClassVar[str] = "id_number"
    # The apply keeps what it changed, so an applied batch can be undone (the roster).
    undoable: ClassVar[bool] = False

    def __init__(self, context: ImportContext) -> None:
        self.context = context

    def validate(self, rows: list[Row]) -> None:
        """Checks across rows and against the database."""

    def plan(self, rows: list[Row]) -> dict[str, int]:
        """Counts for the preview, computed without writing (rows have no errors)."""
        return {"rows": len(rows)}

    def apply(self, rows: list[Row]) -> dict[str, int]:
        raise NotImplementedError

    def preview(self) -> dict[str, Any]:
        """What the preview shows beyond counts, after ``plan`` or ``apply`` (JSON-ready)."""
        return {}

    def registry_years(self) -> list[int]:
        """After ``apply``: the roster years whose registry it changed (the services tell the
        apps above through ``healthpov.operations.signals.registry_changed``)."""
        return []

    def registry_places(self) -> list[int] | None:
        """After ``apply``: ids of places under which every change of the registry lies (the
        recompute of the apps above covers those); ``None`` when not known: every place."""
        return None

    def column(self, field_name: str) -> Column:
        return next(column for column in self.columns if column.field == field_name)


class PersonLedger(Ledger):
    """A ledger keyed by the person's resident ID (台账): every row must name a person on the
    roster whom the importing user may see; ``row.person`` is then set.

    ``unique_per_person = True`` makes a second row for the same person an error.
    """

    unique_per_person: ClassVar[bool] = False

    def validate(self, rows: list[Row]) -> None:
        from households.models import Person

        numbers = {row[self.key].number for row in rows if row[self.key] is not None}
        persons = {}
        queryset = self.context.scoped(Person.objects.all()).select_related("household")
        numbers_list = sorted(numbers)
        for start in range(0, len(numbers_list), 5000):
            chunk = numbers_list[start : start + 5000]
            persons.update({p.id_number: p for p in queryset.filter(id_number__in=chunk)})
        seen: dict[str, int] = {}
        for row in rows:
            resident = row[self.key]
            if resident is None:
                continue
            person = persons.get(resident.number)
            if person is None:
                row.error(self.key, _("This ID number is not on the roster of your area."))
                continue
            row.person = person
            if self.unique_per_person:
                if resident.number in seen:
                    row.error(
                        self.key,
                        _("The same ID number is already on row %(row)d.")
                        % {"row": seen[resident.number]},
                    )
                else:
                    seen[resident.number] = row.number


@dataclass
class Upserts:
    """What an upsert writes: ``new`` records to create, ``changed`` records (already given
    their new values) to update, and how many rows found their record ``unchanged``."""

    new: list[Any] = field(default_factory=list)
    changed: list[Any] = field(default_factory=list)
    unchanged: int = 0

    def add(self, record: Any | None, values: dict[str, Any], create: Callable[[], Any]) -> None:
        """Count one row: ``create()`` the record when there is none, else set the ``values``
        that differ from the stored ones (equal values leave the record unchanged)."""
        if record is None:
            self.new.append(create())
            return
        differs = {name: value for name, value in values.items() if getattr(record, name) != value}
        if not differs:
            self.unchanged += 1
            return
        for name, value in differs.items():
            setattr(record, name, value)
        self.changed.append(record)

    def save(self, model: type[models.Model], fields: Sequence[str], user: User | None) -> None:
        """Create and update in bulk, with their simple-history rows (reason "Ledger import")."""
        bulk_create_with_history(self.new, model, batch_size=500, default_user=user)
        if self.changed:
            bulk_update_with_history(
                self.changed,
                model,
                list(fields),
                batch_size=500,
                default_user=user,
                default_change_reason=_("Ledger import"),
            )


class UpsertLedger(PersonLedger):
    """A ledger whose rows create or update one record each: the same file imported twice
    changes nothing. A ledger declares:

    - ``model`` and ``fields``, the fields an update may write (none: rows only ever create,
      and the counts have no "updated");
    - ``key_of(row)``: what identifies the row's record, e.g. ``(person id, year)`` (asked
      only of rows without errors);
    - ``existing(rows)``: the stored records of the rows, ``{key: record}``, one query;
    - ``values(row)``: the values the row sets on its record, compared with the stored ones;
    - ``new(row, values)``: the record a row without one creates;
    - optionally ``validate_rows(rows)``: checks of single rows and lookups the rows need,
      run after ``row.person`` is set and before duplicate keys are looked for.

    A row without other errors whose key is on an earlier such row is an error
    (``duplicate_message``, on the ``duplicate_field`` column, or on the whole row).
    """

    model: ClassVar[type[models.Model]]
    fields: ClassVar[tuple[str, ...]] = ()
    duplicate_message: ClassVar[Any] = gettext_lazy("The same record is already on row %(row)d.")
    duplicate_field: ClassVar[str | None] = None

    def key_of(self, row: Row) -> tuple:
        raise NotImplementedError

    def existing(self, rows: list[Row]) -> dict[tuple, Any]:
        raise NotImplementedError

    def values(self, row: Row) -> dict[str, Any]:
        raise NotImplementedError

    def new(self, row: Row, values: dict[str, Any]) -> Any:
        return self.model(person=row.person, **values)

    def validate_rows(self, rows: list[Row]) -> None:
        """Checks of single rows (dates, catalogue); run after ``row.person`` is set."""

    def validate(self, rows: list[Row]) -> None:
        super().validate(rows)
        self.validate_rows(rows)
        seen: dict[tuple, int] = {}
        for row in rows:
            if row.person is None or not row.ok:
                continue
            key = self.key_of(row)
            if key in seen:
                row.error(self.duplicate_field, str(self.duplicate_message) % {"row": seen[key]})
            else:
                seen[key] = row.number

    def upserts(self, rows: list[Row]) -> Upserts:
        """What the rows (all valid) create and change; writes nothing."""
        existing = self.existing(rows)
        upserts = Upserts()
        for row in rows:
            values = self.values(row)
            upserts.add(existing.get(self.key_of(row)), values, partial(self.new, row, values))
        return upserts

    def plan(self, rows: list[Row]) -> dict[str, int]:
        return self._counts(self.upserts(rows))

    def apply(self, rows: list[Row]) -> dict[str, int]:
        upserts = self.upserts(rows)
        upserts.save(self.model, self.fields, self.context.user)
        return self._counts(upserts)

    def _counts(self, upserts: Upserts) -> dict[str, int]:
        if not self.fields:
            return {"created": len(upserts.new), "unchanged": upserts.unchanged}
        return {
            "created": len(upserts.new),
            "updated": len(upserts.changed),
            "unchanged": upserts.unchanged,
        }

    @staticmethod
    def persons(rows: list[Row]) -> set[int]:
        """Ids of the rows' persons, for ``existing``."""
        return {row.person.pk for row in rows}


_REGISTRY: dict[str, type[Ledger]] = {}


def register(ledger: type[Ledger]) -> type[Ledger]:
    """Class decorator: make a ledger importable by its ``kind``."""
    if not ledger.kind:
        raise ValueError(f"{ledger.__name__} has no kind")
    existing = _REGISTRY.get(ledger.kind)
    if existing is not None and existing.__qualname__ != ledger.__qualname__:
        raise ValueError(f"Ledger kind {ledger.kind!r} is registered twice")
    _REGISTRY[ledger.kind] = ledger
    return ledger


def _discover() -> None:
    autodiscover_modules("ledgers")


def ledger_kinds() -> dict[str, type[Ledger]]:
    """Every registered ledger, by kind (each app's ``ledgers.py`` is imported first)."""
    _discover()
    return dict(sorted(_REGISTRY.items()))


def get_ledger(kind: str) -> type[Ledger]:
    kinds = ledger_kinds()
    try:
        return kinds[kind]
    except KeyError:
        raise KeyError(kind) from None


def iter_labels(columns: Iterable[Column]) -> str:
    return "、".join(column.label for column in columns)

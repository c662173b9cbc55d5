"""Every URL of the households app, for the permission matrix (see tests/permissions.py).

Each case builds a household of township B whose head carries the marker name.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files.base import ContentFile

from households.models import ImportBatch
from tests.households.factories import HouseholdFactory, PersonFactory
from tests.households.workbooks import write_roster
from tests.permissions import PermissionCase, Target

MARKER = "朱口户主标记乙"


def _person_b(cast):
    household = HouseholdFactory(village=cast.village_b, number="HB-REG-1", head_name=MARKER)
    return PersonFactory(household=household, name=MARKER)


def household_b(cast) -> Target:
    return Target(kwargs={"pk": _person_b(cast).household_id})


def person_b(cast) -> Target:
    person = _person_b(cast)
    return Target(
        kwargs={"pk": person.pk}, data={"status": "died", "changed_on": "2020-01-01", "reason": "x"}
    )


def household_status_b(cast) -> Target:
    household_id = _person_b(cast).household_id
    return Target(kwargs={"pk": household_id}, data={"poverty_status": "out", "reason": "x"})


def household_update_b(cast) -> Target:
    household_id = _person_b(cast).household_id
    return Target(kwargs={"pk": household_id}, data={"head_name": "x"})


def person_update_b(cast) -> Target:
    person = _person_b(cast)
    return Target(kwargs={"pk": person.pk}, data={"name": "x"})


def id_search_b(cast) -> Target:
    return Target(marker=MARKER, data={"id_number": _person_b(cast).id_number})


def search_b(cast) -> Target:
    _person_b(cast)
    return Target(marker=MARKER)


def export_b(cast) -> Target:
    _person_b(cast)
    return Target()


def batch_b(cast) -> Target:
    batch = ImportBatch(
        kind="roster",
        original_name="朱口.xlsx",
        sha256="0" * 64,
        place=cast.township_b,
        created_by=cast.user_b,
        status=ImportBatch.Status.CHECKED,
        errors=[{"row": 4, "column": "姓名", "col": 0, "message": MARKER}],
        error_count=1,
        counts={"sheet_name": "Sheet", "header_row": 1, "file_format": "xlsx"},
    )
    with tempfile.TemporaryDirectory() as folder:
        path = write_roster(Path(folder) / "b.xlsx", [], title=False)
        batch.file.save("b.xlsx", ContentFile(path.read_bytes()), save=False)
    batch.save()
    return Target(kwargs={"pk": batch.pk})


def uploads_b(cast) -> Target:
    batch_b(cast)
    return Target(marker="朱口.xlsx")


CASES = [
    PermissionCase("households:search", "list", search_b),
    PermissionCase("households:export", "own", export_b),
    PermissionCase("households:household_create", "own"),
    PermissionCase("households:household_detail", "detail", household_b),
    PermissionCase("households:household_edit", "detail", household_b, ("get", "post")),
    PermissionCase("households:household_reveal", "detail", household_b, ("post",)),
    PermissionCase("households:person_create", "detail", household_b, ("get", "post")),
    PermissionCase("households:person_edit", "detail", person_b, ("get", "post")),
    PermissionCase("households:person_status", "detail", person_b, ("get", "post")),
    PermissionCase("households:person_reveal", "detail", person_b, ("post",)),
    PermissionCase("households:import_upload", "list", uploads_b),
    PermissionCase("households:import_detail", "detail", batch_b),
    PermissionCase("households:import_apply", "detail", batch_b, ("post",)),
    PermissionCase("households:import_report", "detail", batch_b),
    # Undo: county users only (a township user of B is refused too: test_roster_safety.py).
    PermissionCase("households:import_undo", "detail", batch_b, ("post",)),
    # The API (households/api.py)
    PermissionCase("household-list", "list", search_b, api=True),
    PermissionCase(
        "household-detail", "detail", household_update_b, ("get", "put", "patch"), api=True
    ),
    PermissionCase("household-status", "detail", household_status_b, ("post",), api=True),
    PermissionCase("household-reveal", "detail", household_b, ("post",), api=True),
    PermissionCase("person-list", "list", search_b, api=True),
    PermissionCase("person-detail", "detail", person_update_b, ("get", "put", "patch"), api=True),
    PermissionCase("person-status", "detail", person_b, ("post",), api=True),
    PermissionCase("person-reveal", "detail", person_b, ("post",), api=True),
    PermissionCase("person-search-by-id", "list", id_search_b, ("post",), api=True),
]

"""URLs of the desk layer for the permission matrix (see tests/permissions.py): field work."""

from __future__ import annotations

import uuid

from tests.households.factories import HouseholdFactory, PersonFactory
from tests.permissions import PermissionCase, Target

MARKER = "朱口外勤标记乙"


def _person_b(cast):
    household = HouseholdFactory(village=cast.village_b, number="HB-FIELD-1")
    return PersonFactory(household=household, name=MARKER)


def package_b(cast) -> Target:
    _person_b(cast)
    return Target(marker=MARKER)


def sync_b(cast) -> Target:
    """A record for B's person, sent by user A: answered (200), refused record by record
    without a word about the person (tests/desk/test_field_sync.py checks the text)."""
    person = _person_b(cast)
    record = {
        "uuid": str(uuid.uuid4()),
        "kind": "health_check",
        "person": person.pk,
        "queued_by": cast.user_a.pk,
        "queued_at": "2018-06-25T10:00:00+08:00",
        "data": {"checked_on": "2018-06-20", "summary": "ok"},
    }
    return Target(data={"records": [record]})


CASES = [
    # The offline field page: a shell without data (static/js/field.js draws from IndexedDB);
    # township staff and village doctors open it, other roles get 403 (tests/desk/test_phone.py).
    PermissionCase("field", "own"),
    PermissionCase("field-package", "list", package_b, api=True),
    # The answer is about the caller's own records: one result per record sent.
    PermissionCase("field-sync", "own", sync_b, ("post",), api=True),
]

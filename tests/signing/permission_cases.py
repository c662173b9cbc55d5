"""Every URL of the signing app, for the permission matrix (see tests/permissions.py).

Each case builds a household of township B whose member carries the marker name.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from tests.permissions import PermissionCase, Target
from tests.signing.factories import (
    BookletFactory,
    ChronicRegistrationFactory,
    ContractFactory,
    DiseaseFactory,
    FulfilmentFactory,
    HealthCheckFactory,
    HouseholdFactory,
    PersonFactory,
    RosterEntryFactory,
    TeamFactory,
    UnsignedRecordFactory,
)

MARKER = "朱口签约标记乙"


def _person_b(cast):
    household = HouseholdFactory(village=cast.village_b, number="HB-SIGN-1")
    return PersonFactory(household=household, name=MARKER)


def _person_b_on_roster(cast):
    """Township B's person on this year's roster: the work lists hold only roster persons."""
    person = _person_b(cast)
    RosterEntryFactory(person=person)
    return person


def household_b(cast) -> Target:
    person = _person_b(cast)
    return Target(kwargs={"pk": person.household_id})


def household_form_b(form_name):
    def make(cast) -> Target:
        person = _person_b(cast)
        return Target(
            kwargs={"pk": person.household_id, "form_name": form_name},
            data={"person": person.pk, "persons": [person.pk]},
        )

    return make


def booklet_b(cast) -> Target:
    booklet = BookletFactory(diagnosis__person=_person_b(cast))
    return Target(kwargs={"pk": booklet.diagnosis_id}, data={"status": "applied"})


def contract_b(cast) -> Target:
    today = timezone.localdate()
    contract = ContractFactory(person=_person_b(cast), year=today.year - 1, signed_on=today)
    return Target(kwargs={"pk": contract.pk})


def unsigned_b(cast) -> Target:
    RosterEntryFactory(person=_person_b(cast))
    return Target(kwargs={"slug": "unsigned"}, marker=MARKER)


def followup_b(cast) -> Target:
    ChronicRegistrationFactory(
        person=_person_b_on_roster(cast), diagnosed_on=datetime.date(2000, 1, 1)
    )
    return Target(kwargs={"slug": "followups"}, marker=MARKER)


def visits_b(cast) -> Target:
    """A household of township B to visit (a member on the roster, neither signed nor a
    reason): the list shows the head of household."""
    household = HouseholdFactory(village=cast.village_b, number="HB-SIGN-1", head_name=MARKER)
    RosterEntryFactory(person=PersonFactory(household=household))
    return Target(kwargs={"slug": "visits"}, marker=MARKER)


def booklets_b(cast) -> Target:
    BookletFactory(diagnosis__person=_person_b_on_roster(cast))
    return Target(kwargs={"slug": "booklets"}, marker=MARKER)


def checks_b(cast) -> Target:
    today = timezone.localdate()
    ContractFactory(person=_person_b_on_roster(cast), year=today.year, signed_on=today)
    return Target(kwargs={"slug": "health-checks"}, marker=MARKER)


def expiring_b(cast) -> Target:
    today = timezone.localdate()
    ContractFactory(
        person=_person_b_on_roster(cast), year=today.year, signed_on=today, valid_until=today
    )
    return Target(kwargs={"slug": "expiring"}, marker=MARKER)


def index_b(cast) -> Target:
    RosterEntryFactory(
        person=_person_b(cast)
    )  # unsigned: B's village appears in the per-village table
    return Target(marker=cast.village_b.name)


def export_b(cast) -> Target:
    RosterEntryFactory(person=_person_b(cast))
    return Target(kwargs={"slug": "unsigned"}, marker=MARKER)


def _api_list(make_record):
    def make(cast) -> Target:
        make_record(_person_b(cast))
        return Target(marker=MARKER)

    return make


def _api_detail(make_record, data=None):
    def make(cast) -> Target:
        record = make_record(_person_b(cast))
        return Target(kwargs={"pk": record.pk}, data=data or {})

    return make


def _contract(person):
    return ContractFactory(person=person)


def _unsigned(person):
    return UnsignedRecordFactory(person=person)


def _chronic(person):
    return ChronicRegistrationFactory(person=person, diagnosed_on=datetime.date(2000, 1, 1))


def _fulfilment(person):
    return FulfilmentFactory(person=person)


def _check(person):
    return HealthCheckFactory(person=person)


def _diagnosis(person):
    return BookletFactory(diagnosis__person=person).diagnosis


def team_b_listed(cast) -> Target:
    TeamFactory(institution=cast.centre_b, name=MARKER)
    return Target(marker=MARKER)


def team_b(cast) -> Target:
    return Target(kwargs={"pk": TeamFactory(institution=cast.centre_b).pk})


def disease(cast) -> Target:
    return Target(kwargs={"pk": DiseaseFactory().pk})


API_RECORDS = {
    "contract": _contract,
    "unsigned": _unsigned,
    "chronic": _chronic,
    "fulfilment": _fulfilment,
    "health-check": _check,
    "diagnosis": _diagnosis,
}

FORM_NAMES = (
    "contract",
    "unsigned",
    "fulfilment",
    "followup",
    "health_check",
    "chronic",
    "diagnosis",
)

CASES = [
    PermissionCase("signing:household", "detail", household_b),
    PermissionCase("signing:household_sheet", "detail", household_b),
    *[
        PermissionCase("signing:household_form", "detail", household_form_b(name), ("get", "post"))
        for name in FORM_NAMES
    ],
    PermissionCase("signing:booklet", "detail", booklet_b, ("get", "post")),
    PermissionCase("signing:contract_renew", "detail", contract_b, ("post",)),
    PermissionCase("signing:worklists", "list", index_b),
    PermissionCase("signing:worklist", "list", unsigned_b),
    PermissionCase("signing:worklist", "list", followup_b),
    PermissionCase("signing:worklist", "list", booklets_b),
    PermissionCase("signing:worklist", "list", checks_b),
    PermissionCase("signing:worklist", "list", expiring_b),
    PermissionCase("signing:worklist", "list", visits_b),
    PermissionCase("signing:worklist_export", "list", export_b),  # the matrix reads the .xlsx
    *[
        case
        for name, make_record in API_RECORDS.items()
        for case in (
            PermissionCase(f"signing-{name}-list", "list", _api_list(make_record), api=True),
            PermissionCase(f"signing-{name}-detail", "detail", _api_detail(make_record), api=True),
        )
    ],
    PermissionCase(
        "signing-diagnosis-booklet",
        "detail",
        _api_detail(_diagnosis, {"status": "applied"}),
        ("post",),
        api=True,
    ),
    PermissionCase("signing-followup-list", "list", _api_list(_chronic), api=True),
    PermissionCase("signing-team-list", "list", team_b_listed, api=True),
    PermissionCase("signing-team-detail", "detail", team_b, api=True),
    # The disease catalogue is the same for every place.
    PermissionCase("signing-disease-list", "own", api=True),
    PermissionCase("signing-disease-detail", "own", disease, api=True),
]

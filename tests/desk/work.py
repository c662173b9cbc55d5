"""A township's work lists as of a fixed working day, for the home page's tests."""

import datetime

from tests.households.factories import HouseholdFactory, PersonFactory
from tests.signing.factories import (
    ChronicRegistrationFactory,
    ContractFactory,
    DiagnosisFactory,
    FulfilmentFactory,
    HealthCheckFactory,
    RosterEntryFactory,
    UnsignedRecordFactory,
)

# The last week of the second quarter: follow-ups still due this quarter are due soon.
TODAY = datetime.date(2018, 6, 25)


def add_work(village, *, prefix: str) -> None:
    """A village's work as of TODAY, one household per kind of work (and one with none), all
    on the 2018 roster: an overdue chronic patient without a health check, a person with
    neither contract nor reason, a special-disease patient without a booklet, a patient
    followed up in the first quarter only (due soon, away with a reason recorded for not
    signing), and a signed, checked person with nothing to do."""
    overdue = PersonFactory(household=HouseholdFactory(village=village, number=f"{prefix}1"))
    ChronicRegistrationFactory(person=overdue)
    ContractFactory(person=overdue)
    RosterEntryFactory(person=overdue, year=2018)

    unsigned = PersonFactory(household=HouseholdFactory(village=village, number=f"{prefix}2"))
    RosterEntryFactory(person=unsigned, year=2018)

    booklet = PersonFactory(household=HouseholdFactory(village=village, number=f"{prefix}3"))
    DiagnosisFactory(person=booklet)
    ContractFactory(person=booklet)
    HealthCheckFactory(person=booklet)
    RosterEntryFactory(person=booklet, year=2018)

    due = PersonFactory(household=HouseholdFactory(village=village, number=f"{prefix}4"))
    ChronicRegistrationFactory(person=due)
    FulfilmentFactory(person=due, served_on=datetime.date(2018, 2, 1))
    UnsignedRecordFactory(person=due)
    RosterEntryFactory(person=due, year=2018)

    done = PersonFactory(household=HouseholdFactory(village=village, number=f"{prefix}5"))
    ContractFactory(person=done)
    HealthCheckFactory(person=done)
    RosterEntryFactory(person=done, year=2018)

"""The person work lists hold only persons on the year's roster as of the date, like the
indicators they feed (docs/domain.md "Work lists"); the rule is households' ``on_roster``."""

import datetime

import pytest

from households.selectors import is_on_roster
from signing import selectors
from signing.selectors import ListFilters
from tests.signing.factories import (
    ChronicRegistrationFactory,
    ContractFactory,
    DiagnosisFactory,
    HouseholdFactory,
    PersonFactory,
    RosterEntryFactory,
)

pytestmark = pytest.mark.django_db

YEAR = 2018
AS_OF = datetime.date(2018, 6, 4)


def _lists(user) -> dict[str, set[int]]:
    """The person ids on each person work list of township A, as of AS_OF."""
    none = ListFilters()
    return {
        "followups": set(
            selectors.followups_due(user, YEAR, AS_OF, none).values_list("pk", flat=True)
        ),
        "booklets": set(
            selectors.booklets_to_handle(user, YEAR, AS_OF, none).values_list(
                "person_id", flat=True
            )
        ),
        "health-checks": set(
            selectors.health_checks_missing(user, YEAR, AS_OF, none).values_list("pk", flat=True)
        ),
        "expiring": set(
            selectors.contracts_expiring(user, YEAR, AS_OF, none).values_list(
                "person_id", flat=True
            )
        ),
    }


def _patient_with_all_work(village, name: str):
    """Overdue follow-up, a booklet to apply for, no health check, a contract ending soon."""
    person = PersonFactory(household=HouseholdFactory(village=village), name=name)
    ChronicRegistrationFactory(person=person, diagnosed_on=datetime.date(2000, 1, 1))
    DiagnosisFactory(person=person)
    ContractFactory(person=person, valid_until=AS_OF + datetime.timedelta(days=10))
    return person


@pytest.fixture
def persons(village_a):
    on = _patient_with_all_work(village_a, "在册")
    RosterEntryFactory(person=on, year=YEAR)
    left = _patient_with_all_work(village_a, "年中退出")
    RosterEntryFactory(person=left, year=YEAR, left_on=AS_OF - datetime.timedelta(days=1))
    leaves_later = _patient_with_all_work(village_a, "日后退出")
    RosterEntryFactory(person=leaves_later, year=YEAR, left_on=AS_OF + datetime.timedelta(days=1))
    last_year = _patient_with_all_work(village_a, "仅上年在册")
    RosterEntryFactory(person=last_year, year=YEAR - 1)
    never = _patient_with_all_work(village_a, "从未在册")
    return {"on": on, "left": left, "leaves_later": leaves_later, "last_year": last_year,
            "never": never}  # fmt: skip


def test_every_person_work_list_holds_exactly_the_persons_on_the_roster(user_a, persons):
    expected = {persons["on"].pk, persons["leaves_later"].pk}
    for slug, ids in _lists(user_a).items():
        assert ids == expected, slug


def test_the_lists_agree_with_the_one_person_form_of_the_roster_rule(user_a, persons):
    lists = _lists(user_a)
    for person in persons.values():
        on_roster = is_on_roster(person, year=YEAR, as_of=AS_OF)
        for slug, ids in lists.items():
            assert (person.pk in ids) == on_roster, (slug, person.name)


def test_households_to_visit_leave_out_a_household_whose_patient_is_off_the_roster(user_a, persons):
    households = selectors.households_to_visit(user_a, YEAR, AS_OF, ListFilters())
    assert set(households.values_list("pk", flat=True)) == {
        persons["on"].household_id,
        persons["leaves_later"].household_id,
    }


@pytest.mark.parametrize("user_fixture", ["user_a", "county_user"])
def test_the_person_lists_scoped_by_the_users_place_ids_keep_the_path_scopes_rows(
    request, user_fixture, village_a, village_b
):
    """The list page passes the ids of every place the user sees (``ListFilters.places``);
    the lists keep the rows of ``visible_to``'s path scope."""
    from healthpov.places.scoping import places_visible_to

    user = request.getfixturevalue(user_fixture)
    for village in (village_a, village_b):
        for name in ("甲", "乙"):
            person = _patient_with_all_work(village, name)
            RosterEntryFactory(person=person, year=YEAR)
        unsigned = PersonFactory(household=HouseholdFactory(village=village), name="丙")
        RosterEntryFactory(person=unsigned, year=YEAR)
    places = tuple(places_visible_to(user))
    for query in (selectors.followups_due, selectors.unsigned_without_reason):
        by_path = list(query(user, YEAR, AS_OF, ListFilters()).values_list("pk", flat=True))
        by_ids = list(
            query(user, YEAR, AS_OF, ListFilters(places=places)).values_list("pk", flat=True)
        )
        assert by_ids == by_path
        assert by_path, query.__name__

"""The follow-up list's page read through a statement built once per process
(``selectors.followups_due_statement``, ``healthpov.paging.StatementPaginator``) gives the rows
and total of the list's queryset, for every state, village, day of the year and page; and the
page is the same whichever way it is read."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from healthpov.paging import CountingPaginator, StatementPaginator
from healthpov.places.scoping import places_visible_to
from households.models import PersonStatus
from signing import selectors
from signing.models import FollowUpVisit, VisitClassification
from signing.views import WORKLISTS
from tests.factories import VillageFactory
from tests.signing.factories import (
    ChronicRegistrationFactory,
    ContractFactory,
    FulfilmentFactory,
    HouseholdFactory,
    PersonFactory,
    RosterEntryFactory,
    UnsignedRecordFactory,
)

pytestmark = pytest.mark.django_db

DAYS = [
    datetime.date(2018, 2, 10),  # first quarter: none past
    datetime.date(2018, 3, 31),  # the last day of a quarter
    datetime.date(2018, 6, 4),
    datetime.date(2018, 12, 20),  # three past
]


@pytest.fixture
def patients(township_a, village_a):
    """Patients in two villages of township A with follow-ups in some quarters, a recheck
    due and one overdue, someone registered mid-year, and a person who left the roster."""
    village_2 = VillageFactory(name="东村", parent=township_a)
    persons = []
    for n in range(14):
        household = HouseholdFactory(village=village_a if n % 2 else village_2)
        person = PersonFactory(household=household, name=f"患者{n}")
        RosterEntryFactory(person=person, year=2018)
        ChronicRegistrationFactory(
            person=person,
            diagnosed_on=datetime.date(2018, 5, 1) if n == 3 else datetime.date(2016, 1, 1),
        )
        persons.append(person)
    for n, days in [(0, [2, 95]), (1, [40]), (2, [40, 100, 200]), (4, [150]), (5, [330])]:
        for day in days:
            FulfilmentFactory(
                person=persons[n],
                served_on=datetime.date(2018, 1, 1) + datetime.timedelta(days=day),
            )
    for n, served_on in [(6, datetime.date(2018, 5, 28)), (7, datetime.date(2018, 5, 1))]:
        record = FulfilmentFactory(person=persons[n], served_on=served_on)
        FollowUpVisit.objects.create(
            record=record, classification=VisitClassification.UNSATISFACTORY
        )
    left = persons[8].roster_entries.get()
    left.left_on = datetime.date(2018, 4, 1)
    left.save()
    return persons


def _filters(user, state: str, village: int | None) -> selectors.ListFilters:
    places = tuple(places_visible_to(user).order_by("path"))
    return selectors.ListFilters(village_id=village, state=state, places=places)


def _listed(page) -> list[tuple]:
    return [
        (person.pk, person.name, person.household.number, person.household.village.name)
        for person in page.object_list
    ]


def _assert_same_pages(statement, queryset, sizes, numbers, where) -> None:
    """Each page of ``statement`` (a ``StatementPaginator``) is the queryset's page: rows,
    total and number (a page past the end is Django's last page: both ways answer it)."""
    for per_page in sizes:
        for number in numbers:
            expected = CountingPaginator(queryset, per_page).get_page(number)
            paginator = StatementPaginator(statement.statement, per_page)
            got = paginator.get_page(number)
            assert _listed(got) == _listed(expected), (where, per_page, number)
            assert paginator.count == expected.paginator.count
            assert got.number == expected.number


def _names_either_way(client, slug: str, search: str) -> set[str]:
    """The names on the first page of list ``slug``, read through its statement, after
    checking that a search text (not said with numbers and dates) takes the queryset's way
    and names the same rows."""
    url = reverse("signing:worklist", args=[slug])
    as_of = {"year": 2018, "as_of": "2018-06-04"}
    cached = client.get(url, as_of)
    assert cached.status_code == 200
    assert isinstance(cached.context["page"].paginator, StatementPaginator)
    by_search = client.get(url, {**as_of, "q": search})
    assert not isinstance(by_search.context["page"].paginator, StatementPaginator)
    assert cached.context["page"].paginator.count == by_search.context["page"].paginator.count
    assert [cells for _h, cells, _obj in cached.context["rows"]] == [
        cells for _h, cells, _obj in by_search.context["rows"]
    ]
    return {cells[3] for _h, cells, _obj in cached.context["rows"]}


@pytest.mark.parametrize("as_of", DAYS)
@pytest.mark.parametrize("state", ["", "due", "overdue"])
def test_the_statement_gives_the_querysets_rows(
    user_a, county_user, village_a, village_b, patients, as_of, state
):
    # Township B's patient is the county user's, not township A's user's.
    elsewhere = PersonFactory(household=HouseholdFactory(village=village_b), name="外乡患者")
    RosterEntryFactory(person=elsewhere, year=2018)
    ChronicRegistrationFactory(person=elsewhere, diagnosed_on=datetime.date(2016, 1, 1))
    item = WORKLISTS["followups"]
    for user, village in [(user_a, None), (user_a, village_a.pk), (county_user, None)]:
        filters = _filters(user, state, village)
        statement = item.paginator(user, 2018, as_of, filters)
        assert isinstance(statement, StatementPaginator)
        queryset = item.rows(user, 2018, as_of, filters, page=True)
        listed = {person.name for person in queryset}
        # Never followed up, so due or overdue all year: on the county's list only.
        if user == user_a:
            assert "外乡患者" not in listed
        elif not state:
            assert "外乡患者" in listed
        # Page 7 of one row each lies beyond the pages that keep a statement.
        _assert_same_pages(statement, queryset, (1, 3, 50), (1, 2, 3, 7), village)


def test_the_list_names_the_same_patients_either_way(client_a, user_a, patients):
    """The page of the list, its figures and rows, with the statement and without it (a
    search text, which is not said with numbers and dates, takes the queryset's way)."""
    names = _names_either_way(client_a, "followups", "患者")
    # Q1 missed (1 has no follow-up in Q2 either; 3 was registered in Q2, so only due), a
    # recheck overdue (7), a recheck due (6) are listed; 2 is done, 8 left the roster.
    assert {"患者3", "患者6", "患者7", "患者1"} <= names
    assert not names & {"患者2", "患者8"}


def test_another_townships_user_gets_none_of_the_rows(client, user_b, patients):
    client.force_login(user_b)
    response = client.get(
        reverse("signing:worklist", args=["followups"]), {"year": 2018, "as_of": "2018-06-04"}
    )
    assert response.status_code == 200
    assert isinstance(response.context["page"].paginator, StatementPaginator)
    assert response.context["rows"] == []


# --- the not-signed list ----------------------------------------------------------------------


@pytest.fixture
def cases(township_a, village_a, village_b):
    """Persons of two villages of township A (and one of township B) in every case of the
    not-signed list: signed before and after the day asked, a reason recorded before and
    after it, nothing at all, left the roster, died."""
    village_2 = VillageFactory(name="东村", parent=township_a)
    on = datetime.date
    for n in range(21):
        village = [village_a, village_2, village_b][n % 3]
        person = PersonFactory(
            household=HouseholdFactory(village=village),
            name=f"居民{n}",
            status=PersonStatus.DIED if n == 19 else PersonStatus.NORMAL,
        )
        entry = RosterEntryFactory(person=person, year=2018)
        if n == 12:
            entry.left_on = on(2018, 4, 1)
            entry.save()
        if n % 4 == 1:
            ContractFactory(person=person, signed_on=on(2018, 1 + n % 12, 1))
        elif n % 4 == 2:
            UnsignedRecordFactory(person=person, recorded_on=on(2018, 1 + n % 6, 15))


@pytest.mark.parametrize("as_of", DAYS)
def test_the_not_signed_statement_gives_the_querysets_rows(
    user_a, county_user, village_a, cases, as_of
):
    item = WORKLISTS["unsigned"]
    seen = set()
    for state in ["", "bogus"]:
        for user, village in [(user_a, None), (user_a, village_a.pk), (county_user, None)]:
            filters = _filters(user, state, village)
            statement = item.paginator(user, 2018, as_of, filters)
            assert isinstance(statement, StatementPaginator)
            queryset = item.rows(user, 2018, as_of, filters, page=True)
            names = {person.name for person in queryset}
            seen.update(names)
            if user == user_a:
                # Township B's persons (every third) are the county user's only.
                assert not {f"居民{n}" for n in range(2, 21, 3)} & set(names)
            _assert_same_pages(statement, queryset, (1, 4, 50), (1, 2, 6), (state, village))
    assert seen  # the cases list someone on every day asked


def test_a_search_reads_the_not_signed_list_without_a_statement(client_a, cases):
    names = _names_either_way(client_a, "unsigned", "居民")
    # Nothing recorded (0, 3), signed after the day asked (9: 1 October) or died on the roster
    # (19): listed. Signed before it (1, 13), a reason recorded before it (6), left the roster
    # (12), or of township B (2): not.
    assert {"居民0", "居民3", "居民9", "居民19"} <= names
    assert not names & {"居民1", "居民13", "居民6", "居民12", "居民2"}


def test_another_townships_user_gets_none_of_township_as_rows(client, user_b, cases):
    """Township B's user gets the not-signed persons of township B only."""
    client.force_login(user_b)
    response = client.get(
        reverse("signing:worklist", args=["unsigned"]), {"year": 2018, "as_of": "2018-06-04"}
    )
    assert response.status_code == 200
    assert isinstance(response.context["page"].paginator, StatementPaginator)
    names = {cells[3] for _h, cells, _obj in response.context["rows"]}
    # Township B's are every third from 2; 2, 14 have a reason, 5, 17 a contract, by then.
    assert names == {"居民8", "居民11", "居民20"}

"""The fixed cast every test uses: a county with townships A and B, and one user per role.

Township A's user is "us"; township B holds the records that A must never see.
"""

from types import SimpleNamespace

import pytest

from healthpov.accounts.models import User
from tests.factories import (
    CountyFactory,
    InstitutionFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
)

pytest_plugins = [
    # Playwright fixtures for @pytest.mark.browser tests (Debian's Chromium, error collection).
    "tests.browser_conftest",
    # Every response and log record is scanned for leaked personal data and inline code.
    "tests.hardening.response_scan",
]


@pytest.fixture
def county(db):
    return CountyFactory(name="泰宁县")


@pytest.fixture
def township_a(county):
    return TownshipFactory(name="杉城镇", parent=county)


@pytest.fixture
def township_b(county):
    return TownshipFactory(name="朱口镇", parent=county)


@pytest.fixture
def village_a(township_a):
    return VillageFactory(name="南会村", parent=township_a)


@pytest.fixture
def village_b(township_b):
    return VillageFactory(name="朱口村", parent=township_b)


@pytest.fixture
def centre_a(township_a):
    return InstitutionFactory(name="杉城镇卫生院", place=township_a)


@pytest.fixture
def centre_b(township_b):
    return InstitutionFactory(name="朱口镇卫生院", place=township_b)


@pytest.fixture
def user_a(township_a, centre_a):
    return UserFactory(
        username="staff_a", role=User.Role.TOWNSHIP_STAFF, place=township_a, institution=centre_a
    )


@pytest.fixture
def user_b(township_b, centre_b):
    return UserFactory(
        username="staff_b", role=User.Role.TOWNSHIP_STAFF, place=township_b, institution=centre_b
    )


@pytest.fixture
def village_doctor_a(village_a):
    return UserFactory(username="vdoc_a", role=User.Role.VILLAGE_DOCTOR, place=village_a)


@pytest.fixture
def county_user(county):
    return UserFactory(username="county_1", role=User.Role.COUNTY_BUREAU, place=county)


@pytest.fixture
def county_user_2(county):
    return UserFactory(username="county_2", role=User.Role.COUNTY_BUREAU, place=county)


@pytest.fixture
def inspector(county):
    return UserFactory(username="inspector_1", role=User.Role.INSPECTOR, place=county)


@pytest.fixture
def admin_user(county):
    return UserFactory(
        username="admin_1", role=User.Role.ADMIN, place=county, is_staff=True, is_superuser=True
    )


@pytest.fixture
def client_a(client, user_a):
    client.force_login(user_a)
    return client


CAST = (
    "county",
    "township_a",
    "township_b",
    "village_a",
    "village_b",
    "centre_a",
    "centre_b",
    "user_a",
    "user_b",
    "village_doctor_a",
    "county_user",
    "county_user_2",
    "inspector",
    "admin_user",
)


@pytest.fixture
def cast(request, db) -> SimpleNamespace:
    """The whole fixed cast at once (``cast.user_a``, ``cast.village_b``, ...)."""
    return SimpleNamespace(**{name: request.getfixturevalue(name) for name in CAST})

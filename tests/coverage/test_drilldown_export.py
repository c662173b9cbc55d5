"""A figure's drill-down finishes the job: every row links to its household, names its
township and village, carries the column that explains it, and exports to .xlsx with the
same rows (masked, or revealed and audited for users who may reveal personal data)."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook

from coverage import indicators as ind
from healthpov.accounts.models import ExportReveal
from signing.models import UnsignedReason
from tests.coverage.factories import AS_OF, EXPECTED, YEAR, build_world
from tests.factories import UserFactory

QUERY = {"year": YEAR, "as_of": AS_OF.isoformat()}
# Headers and texts as the app writes them in the active language.
REASON, NO_REASON = gettext("Reason not signed"), gettext("No reason recorded")
TOWNSHIP, VILLAGE, ID_NUMBER = gettext("Township"), gettext("Village"), gettext("ID number")


@pytest.fixture
def world(village_a, village_b):
    return build_world(village_a, village_b)


def _url(name, place, code):
    return reverse(name, kwargs={"pk": place.pk, "code": code})


def _sheet_rows(response) -> list[dict]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in sheet[1]]
    return [
        dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    ]


def test_every_row_links_to_its_household(client, county_user, village_a, world):
    client.force_login(county_user)
    response = client.get(_url("coverage:drilldown", village_a, "unsigned_away"), QUERY)
    links = re.findall(r'href="([^"]+)" data-testid="drilldown-link"', response.content.decode())
    expected = reverse("households:household_detail", args=[world.away.household_id])
    assert links == [f"{expected}#person-{world.away.pk}"]


def test_unsigned_rows_carry_their_reason(client, county_user, village_a, world):
    client.force_login(county_user)
    response = client.get(_url("coverage:drilldown_xlsx", village_a, "unsigned"), QUERY)
    reasons = sorted(row[REASON] for row in _sheet_rows(response))
    away, died = str(UnsignedReason.AWAY.label), str(UnsignedReason.DIED.label)
    assert reasons == sorted([away, died, NO_REASON, NO_REASON])


def test_the_page_shows_the_reason_column(client, county_user, village_a, world):
    client.force_login(county_user)
    response = client.get(_url("coverage:drilldown", village_a, "unsigned_no_reason"), QUERY)
    assert response.context["headers"][-1] == REASON
    assert [row.cells[-1] for row in response.context["rows"]] == [NO_REASON, NO_REASON]


@pytest.mark.parametrize("code", ind.CODES)
def test_the_xlsx_has_as_many_rows_as_the_figure(client, county_user, village_a, world, code):
    client.force_login(county_user)
    response = client.get(_url("coverage:drilldown_xlsx", village_a, code), QUERY)
    assert response.status_code == 200
    rows = _sheet_rows(response)
    assert len(rows) == EXPECTED[ind.REGISTRY[code].list_code][0]
    assert {(row[TOWNSHIP], row[VILLAGE]) for row in rows} <= {("杉城镇", "南会村")}


def test_the_xlsx_is_masked_without_the_reveal_option(client, county_user, village_a, world):
    client.force_login(county_user)
    response = client.get(_url("coverage:drilldown_xlsx", village_a, "roster_persons"), QUERY)
    assert all("*" in row[ID_NUMBER] for row in _sheet_rows(response))
    assert not ExportReveal.objects.exists()


@pytest.mark.leak_scan_off(reason="asserts that the audited reveal export carries full values")
def test_the_reveal_option_exports_full_ids_and_is_audited(client, county_user, village_a, world):
    client.force_login(county_user)
    url = _url("coverage:drilldown_xlsx", village_a, "roster_persons")
    rows = _sheet_rows(client.post(f"{url}?year={YEAR}&as_of={AS_OF}", {"reveal": "1"}))
    assert world.elder.id_number in {row[ID_NUMBER] for row in rows}
    log = ExportReveal.objects.get()
    assert (log.user, log.export, log.rows) == (county_user, "coverage:drilldown_xlsx", len(rows))


def test_the_reveal_option_is_refused_without_the_permission(client, county, village_a, world):
    client.force_login(UserFactory(role="city_bureau", place=county))
    url = _url("coverage:drilldown_xlsx", village_a, "roster_persons")
    assert client.post(url, {"reveal": "1"}).status_code == 403
    assert not ExportReveal.objects.exists()

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from coverage import indicators as ind
from coverage.models import RecomputeRun, Snapshot
from coverage.services import recompute_coverage
from tests.coverage.factories import AS_OF, EXPECTED, YEAR, build_world

QUERY = {"year": YEAR, "as_of": AS_OF.isoformat()}


@pytest.fixture
def world(village_a, village_b):
    w = build_world(village_a, village_b)
    recompute_coverage(year=YEAR, as_of=AS_OF)
    return w


def test_dashboard_sends_a_township_user_to_their_township(client_a, township_a):
    response = client_a.get(reverse("coverage:dashboard"))
    assert response.url == reverse("coverage:place", kwargs={"pk": township_a.pk})


def test_county_dashboard_shows_figures_from_the_snapshot(client, county_user, county, world):
    client.force_login(county_user)
    response = client.get(reverse("coverage:place", kwargs={"pk": county.pk}), {"year": YEAR})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="ranking"' in content
    assert "杉城镇" in content and "朱口镇" in content
    assert 'id="coverage-chart-data"' in content
    assert "44.4%" in content  # signing rate 4 / 9


def test_dashboard_without_snapshots_says_so(client, county_user, county):
    client.force_login(county_user)
    response = client.get(reverse("coverage:place", kwargs={"pk": county.pk}), {"year": 2018})
    assert 'data-testid="no-snapshot"' in response.content.decode()


def test_dashboard_shows_the_latest_snapshot_on_or_before_the_day_asked(
    client, county_user, county, world
):
    later = datetime.date(2018, 7, 1)
    recompute_coverage(year=YEAR, as_of=later)
    client.force_login(county_user)
    url = reverse("coverage:place", kwargs={"pk": county.pk})

    def shown(**query) -> datetime.date | None:
        return client.get(url, {"year": YEAR, **query}).context["date"]

    assert shown() == later
    assert shown(as_of="2018-06-20") == AS_OF
    assert shown(as_of=later.isoformat()) == later
    assert shown(as_of="2018-05-01") is None


def test_dashboard_of_the_users_own_place_reads_no_place(
    client, county_user, county, world, django_assert_num_queries
):
    client.force_login(county_user)
    url = reverse("coverage:place", kwargs={"pk": county.pk})
    client.get(url)
    # session, user and place, snapshot dates, townships, latest recompute
    with django_assert_num_queries(5):
        assert client.get(url).context["place"] == county


def test_dashboard_has_no_inline_script(client, county_user, county, world):
    client.force_login(county_user)
    content = client.get(
        reverse("coverage:place", kwargs={"pk": county.pk}), {"year": YEAR}
    ).content.decode()
    assert "<script>" not in content and " onclick=" not in content and 'style="' not in content


def test_dashboard_query_count_is_fixed(
    client, county_user, county, world, django_assert_max_num_queries
):
    client.force_login(county_user)
    with django_assert_max_num_queries(20):
        client.get(reverse("coverage:place", kwargs={"pk": county.pk}), {"year": YEAR})


def test_township_user_cannot_open_another_townships_dashboard(client_a, township_b, world):
    response = client_a.get(reverse("coverage:place", kwargs={"pk": township_b.pk}))
    assert response.status_code == 404


def test_every_dashboard_figure_links_to_a_list_of_its_length(client, county_user, county, world):
    """Follow every figure link on the county page and count the rows of the list."""
    import re

    client.force_login(county_user)
    content = client.get(
        reverse("coverage:place", kwargs={"pk": county.pk}), {"year": YEAR}
    ).content.decode()
    links = set(re.findall(r'href="(/coverage/places/\d+/list/[a-z_]+/\?[^"]+)"', content))
    assert len(links) > 20
    values = {(s.place_id, s.code): s.value for s in Snapshot.objects.filter(year=YEAR, date=AS_OF)}
    for link in links:
        link = link.replace("&amp;", "&")
        place_id, code = re.match(r"/coverage/places/(\d+)/list/([a-z_]+)/", link).groups()
        response = client.get(link)
        counted = ind.REGISTRY[code].list_code
        total = int(re.search(r'data-count="(\d+)"', response.content.decode()).group(1))
        assert total == values[(int(place_id), counted)], link


@pytest.mark.parametrize("code", ind.CODES)
def test_drilldown_lists_as_many_rows_as_the_figure(client, county_user, village_a, world, code):
    client.force_login(county_user)
    response = client.get(
        reverse("coverage:drilldown", kwargs={"pk": village_a.pk, "code": code}), QUERY
    )
    assert response.status_code == 200
    counted = ind.REGISTRY[code].list_code
    expected = EXPECTED[counted][0]
    assert response.context["page"].paginator.count == expected
    assert response.content.decode().count('data-testid="drilldown-row"') == expected


def test_drilldown_of_an_unknown_code_is_404(client, county_user, county):
    client.force_login(county_user)
    response = client.get(reverse("coverage:drilldown", kwargs={"pk": county.pk, "code": "nope"}))
    assert response.status_code == 404


def test_drilldown_masks_id_numbers(client, county_user, village_a, world):
    client.force_login(county_user)
    response = client.get(
        reverse("coverage:drilldown", kwargs={"pk": village_a.pk, "code": "roster_persons"}), QUERY
    )
    assert world.elder.id_number not in response.content.decode()


def test_drilldown_list_query_count_is_pinned(
    client, county_user, county, world, django_assert_max_num_queries
):
    client.force_login(county_user)
    with django_assert_max_num_queries(12):
        client.get(
            reverse("coverage:drilldown", kwargs={"pk": county.pk, "code": "roster_persons"}), QUERY
        )


@pytest.mark.parametrize("slug", ["work", "signing"])
def test_form_page_has_a_row_per_township_and_a_total(client, county_user, county, world, slug):
    client.force_login(county_user)
    response = client.get(reverse("coverage:form", kwargs={"pk": county.pk, "slug": slug}), QUERY)
    content = response.content.decode()
    assert 'data-place="杉城镇"' in content and 'data-place="朱口镇"' in content
    assert 'data-place="泰宁县"' in content  # the total line
    assert "rowspan" in content and "colspan" in content


def test_work_form_xlsx_layout(client, county_user, county, world):
    client.force_login(county_user)
    response = client.get(
        reverse("coverage:form_xlsx", kwargs={"pk": county.pk, "slug": "work"}), QUERY
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "泰宁县" in sheet["A1"].value
    assert sheet.merged_cells.ranges  # merged title and headers
    rows = list(sheet.iter_rows(values_only=True))
    names = [row[1] for row in rows]
    assert "杉城镇" in names and "朱口镇" in names
    total = rows[-1]
    assert total[2] == 9  # roster persons of the county
    assert [row[0] for row in rows if row[1] in ("杉城镇", "朱口镇")] == [1, 2]


def test_form_xlsx_is_formula_safe(client, county_user, county, world):
    from tests.factories import TownshipFactory

    TownshipFactory(name="=HYPERLINK(1)", parent=county)
    client.force_login(county_user)
    response = client.get(
        reverse("coverage:form_xlsx", kwargs={"pk": county.pk, "slug": "signing"}), QUERY
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(values_only=True)]
    assert "'=HYPERLINK(1)" in names


def test_county_user_recomputes_and_sees_progress(
    client, county_user, county, world, django_capture_on_commit_callbacks
):
    client.force_login(county_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("coverage:recompute"),
            {"year": YEAR, "as_of": "2018-07-01"},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    run = RecomputeRun.objects.get(as_of=datetime.date(2018, 7, 1))
    assert run.status == RecomputeRun.Status.DONE  # eager Celery in tests
    assert run.progress == 100
    fragment = client.get(
        reverse("coverage:run", kwargs={"pk": run.pk}), headers={"HX-Request": "true"}
    )
    assert 'data-status="done"' in fragment.content.decode()
    assert (
        Snapshot.objects.filter(date=datetime.date(2018, 7, 1), place=county, code="signed")
        .get()
        .value
        == 5
    )


def test_run_fragment_polls_while_running(client, county_user):
    run = RecomputeRun.objects.create(
        year=YEAR, as_of=AS_OF, status=RecomputeRun.Status.RUNNING, progress=40
    )
    client.force_login(county_user)
    response = client.get(
        reverse("coverage:run", kwargs={"pk": run.pk}), headers={"HX-Request": "true"}
    )
    assert 'hx-trigger="every 1s"' in response.content.decode()


def test_township_user_cannot_recompute(client_a):
    response = client_a.post(reverse("coverage:recompute"), {"year": YEAR})
    assert response.status_code == 403
    assert not RecomputeRun.objects.exists()


def test_up_link_is_shown_only_where_the_user_may_go(client_a, township_a, village_a, world):
    own = client_a.get(reverse("coverage:place", kwargs={"pk": village_a.pk}), {"year": YEAR})
    up = reverse("coverage:place", kwargs={"pk": township_a.pk})
    assert up in own.content.decode()
    assert client_a.get(up).status_code == 200
    # The township's parent is the county, which a township user cannot open: no link to it.
    top = client_a.get(up, {"year": YEAR}).content.decode()
    assert reverse("coverage:place", kwargs={"pk": township_a.parent_id}) not in top


def test_county_user_goes_up_from_a_township(client, county_user, county, township_a, world):
    client.force_login(county_user)
    page = client.get(reverse("coverage:place", kwargs={"pk": township_a.pk}), {"year": YEAR})
    assert reverse("coverage:place", kwargs={"pk": county.pk}) in page.content.decode()


@pytest.mark.parametrize("slug", ["work", "signing"])
def test_form_page_shows_the_snapshot_figures_as_computed(client, county_user, county, world, slug):
    client.force_login(county_user)
    url = reverse("coverage:form", kwargs={"pk": county.pk, "slug": slug})
    from_snapshot = client.get(url, QUERY).context["lines"]
    Snapshot.objects.all().delete()
    computed = client.get(url, QUERY, headers={"HX-Request": "true"}).context["lines"]
    assert [(line.place.name, line.cells) for line in from_snapshot] == [
        (line.place.name, line.cells) for line in computed
    ]


def test_form_page_reads_the_snapshot_not_the_records(client, county_user, county, world):
    # What the stored snapshot holds is what the page shows, whatever the records say now.
    client.force_login(county_user)
    Snapshot.objects.filter(place=county, code="roster_persons").update(value=123)
    response = client.get(reverse("coverage:form", kwargs={"pk": county.pk, "slug": "work"}), QUERY)
    assert f'data-code="roster_persons" data-place="{county.pk}">123<' in response.content.decode()


def test_form_page_without_a_snapshot_of_its_day_comes_at_once_and_fetches_its_table(
    client, county_user, county, world
):
    client.force_login(county_user)
    day = AS_OF - datetime.timedelta(days=1)
    url = reverse("coverage:form", kwargs={"pk": county.pk, "slug": "work"})
    response = client.get(url, {"year": YEAR, "as_of": day.isoformat()})
    content = response.content.decode()
    assert 'data-testid="form-computing"' in content and 'hx-trigger="load"' in content
    assert 'data-testid="form-table"' not in content


def test_form_table_without_a_snapshot_of_its_day_is_computed(client, county_user, county, world):
    client.force_login(county_user)
    day = AS_OF - datetime.timedelta(days=1)
    response = client.get(
        reverse("coverage:form", kwargs={"pk": county.pk, "slug": "work"}),
        {"year": YEAR, "as_of": day.isoformat()},
        headers={"HX-Request": "true"},
    )
    total = response.context["lines"][-1]
    assert 'data-testid="form-table"' in response.content.decode()
    assert {i.code: v for i, v in total.cells}["roster_persons"] == sum(EXPECTED["roster_persons"])


@pytest.mark.parametrize("view", ["coverage:form", "coverage:form_xlsx"])
def test_form_from_a_snapshot_takes_a_fixed_number_of_queries(
    client, county_user, county, world, view, django_assert_num_queries
):
    client.force_login(county_user)
    url = reverse(view, kwargs={"pk": county.pk, "slug": "signing"})
    with django_assert_num_queries(8):  # session, user and place, places, snapshot, unit...
        client.get(url, QUERY)

"""The audit trail: history_for() and the shared history snippet."""

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from healthpov.accounts.audit import history_for
from healthpov.places.models import Institution, Place
from tests.factories import InstitutionFactory, VillageFactory
from tests.households.factories import PersonFactory


def edit(obj, user, reason="", **values):
    """Change obj as a service would: acting user and reason on the history row."""
    for name, value in values.items():
        setattr(obj, name, value)
    obj._history_user = user
    obj._change_reason = reason
    obj.save()


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def test_newest_change_first_with_who_and_what(township_a, user_a):
    village = VillageFactory(name="旧名村", parent=township_a)
    edit(village, user_a, reason="行政区划调整", name="新名村")
    entries = history_for(village, user_a)
    assert [e.history_type for e in entries] == ["~", "+"]
    latest = entries[0]
    assert latest.who == user_a.last_name or latest.who == user_a.username
    assert latest.reason == "行政区划调整"
    assert [(c.label, c.old, c.new) for c in latest.changes] == [("名称", "旧名村", "新名村")]


def test_creation_without_user_is_by_the_system(township_a, user_a):
    village = VillageFactory(name="新建村", parent=township_a)
    entry = history_for(village, user_a)[0]
    assert entry.who == "系统"
    assert entry.action == "新建"
    assert entry.changes == []


def test_choice_fields_show_their_labels(centre_a, user_a):
    edit(centre_a, user_a, kind=Institution.Kind.VILLAGE_CLINIC)
    change = history_for(centre_a, user_a)[0].changes[0]
    assert (change.old, change.new) == ("乡镇卫生院", "村卫生室")


def test_foreign_keys_show_names(user_a, village_a, township_a):
    clinic = InstitutionFactory(name="流动卫生室", place=township_a)
    edit(clinic, user_a, place=village_a)
    change = history_for(clinic, user_a)[0].changes[0]
    assert (change.label, change.old, change.new) == ("地区", township_a.name, village_a.name)


def test_non_editable_fields_are_left_out(township_a, user_a):
    village = VillageFactory(name="甲村", parent=township_a)
    edit(village, user_a, name="乙村")
    fields = {c.field for e in history_for(village, user_a) for c in e.changes}
    assert "path" not in fields


def test_limit_keeps_the_newest(township_a, user_a):
    village = VillageFactory(name="村0", parent=township_a)
    for n in range(1, 5):
        edit(village, user_a, name=f"村{n}")
    entries = history_for(village, user_a, limit=2)
    assert [(e.changes[0].old, e.changes[0].new) for e in entries] == [
        ("村3", "村4"),
        ("村2", "村3"),
    ]


def test_history_costs_few_queries(township_a, user_a, django_assert_max_num_queries):
    village = VillageFactory(name="村0", parent=township_a)
    for n in range(1, 20):
        edit(village, user_a, name=f"村{n}", parent=township_a)
    with django_assert_max_num_queries(2):
        history_for(village, user_a)


@pytest.fixture
def person(village_a):
    return PersonFactory(household__village=village_a, phone="13800001111")


def test_personal_fields_are_masked(person, user_a, inspector):
    old_id = person.id_number
    edit(person, user_a, phone="13900002222", id_number=PersonFactory.build().id_number)
    changes = {c.field: c for c in history_for(person, user_a)[0].changes}
    assert changes["phone"].old == "138****1111"
    assert changes["phone"].new == "139****2222"
    assert old_id not in changes["id_number"].old
    assert changes["id_number"].old.startswith(old_id[:6])
    assert "*" in changes["id_number"].old


def test_reveal_shows_full_values_only_to_users_allowed_to(person, user_a, inspector):
    edit(person, user_a, phone="13900002222")
    allowed = history_for(person, user_a, reveal=True)[0].changes[0]
    refused = history_for(person, inspector, reveal=True)[0].changes[0]
    assert allowed.new == "13900002222"
    assert refused.new == "139****2222"


def test_snippet_renders_changes_in_chinese(township_a, user_a):
    village = VillageFactory(name="旧名村", parent=township_a)
    edit(village, user_a, name="新名村")
    request = RequestFactory().get("/")
    request.user = user_a
    html = render_to_string(
        "snippets/history.html", {"entries": history_for(village, user_a)}, request=request
    )
    assert "变更记录" in html
    assert "旧名村" in html
    assert "新名村" in html
    assert html.count('data-testid="history-entry"') == 2


def test_template_tag_reads_history_for_the_request_user(township_a, user_a):
    village = VillageFactory(name="标签村", parent=township_a)
    request = RequestFactory().get("/")
    request.user = user_a
    template = engines["django"].from_string(
        "{% load audit %}{% history_of record as h %}"
        '{% include "snippets/history.html" with entries=h %}'
    )
    assert "新建" in template.render({"record": village}, request)


def test_empty_history_says_so(user_a):
    request = RequestFactory().get("/")
    html = render_to_string("snippets/history.html", {"entries": []}, request=request)
    assert "暂无变更记录" in html


def test_place_model_keeps_history():
    assert hasattr(Place, "history")

"""The Django admin: every model of the project has a page, in Chinese, for staff only."""

import pytest
from django.contrib import admin
from django.urls import reverse

from healthpov.accounts.admin_fallback import project_models

MODELS = project_models()


def test_every_project_model_is_in_the_admin():
    missing = [model._meta.label for model in MODELS if not admin.site.is_registered(model)]
    assert not missing, missing


def test_the_project_has_models():
    labels = {model._meta.label for model in MODELS}
    assert {"places.Place", "places.Institution", "accounts.User"} <= labels


def test_admin_index_is_chinese(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("admin:index")).content.decode()
    assert "健康扶贫管理系统" in html
    assert "行政区划与机构" in html
    assert "用户" in html


@pytest.mark.parametrize("model", MODELS, ids=[model._meta.label for model in MODELS])
def test_admin_pages_of_model_load(client, admin_user, model):
    client.force_login(admin_user)
    info = (model._meta.app_label, model._meta.model_name)
    changelist = client.get(reverse("admin:{}_{}_changelist".format(*info)))
    assert changelist.status_code == 200
    if admin.site._registry[model].has_add_permission(changelist.wsgi_request):
        assert client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200


def test_place_admin_shows_translated_level(client, admin_user, village_a):
    client.force_login(admin_user)
    html = client.get(reverse("admin:places_place_changelist")).content.decode()
    assert "行政村" in html
    assert "南会村" in html


def test_place_history_page_loads(client, admin_user, village_a):
    client.force_login(admin_user)
    url = reverse("admin:places_place_history", args=[village_a.pk])
    assert client.get(url).status_code == 200


def test_group_admin_names_permissions_from_the_translated_model_name(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("admin:auth_group_add")).content.decode()
    assert ">家庭医生签约 | 特殊病种簿 | 可以添加特殊病种簿<" in html


def test_user_admin_names_history_permissions_in_chinese(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("admin:accounts_user_change", args=[admin_user.pk])).content.decode()
    assert ">家庭医生签约 | 特殊病种簿历史记录 | 可以查看特殊病种簿历史记录<" in html

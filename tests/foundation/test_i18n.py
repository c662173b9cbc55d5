"""Chinese by default, English on request; every catalogue translated and compiled."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
CATALOGUES = sorted(
    path
    for path in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")
    if ".venv" not in path.parts and "site-packages" not in path.parts
)


def switch_to_english(client):
    return client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})


def test_login_page_is_chinese_by_default(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "健康扶贫管理系统" in html
    assert "用户名" in html


def test_browser_language_does_not_override_the_default(client, db):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "用户名" in html


def test_home_page_is_chinese_by_default(client_a):
    html = client_a.get(reverse("home")).content.decode()
    assert "首页" in html
    assert "建档立卡户数" in html


def test_switching_language_turns_login_page_english(client, db):
    switch_to_english(client)
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    assert "Username" in html
    assert "用户名" not in html


def test_switching_language_turns_home_page_english(client_a):
    response = switch_to_english(client_a)
    assert response.status_code == 302
    html = client_a.get(reverse("home")).content.decode()
    assert "Registered households" in html
    assert "建档立卡户数" not in html


def test_switching_back_to_chinese(client_a):
    switch_to_english(client_a)
    client_a.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "建档立卡户数" in client_a.get(reverse("home")).content.decode()


def test_role_names_are_translated(user_a):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert user_a.get_role_display() == "乡镇卫生院工作人员"


def test_django_filter_strings_are_chinese(db):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Multiple values may be separated by commas.") == (
            "多个值可用逗号分隔。"
        )


def test_there_are_catalogues():
    assert any(path.parts[-5] == "accounts" for path in CATALOGUES), CATALOGUES


@pytest.mark.parametrize("po", CATALOGUES, ids=[str(p.relative_to(ROOT)) for p in CATALOGUES])
def test_catalogue_is_fully_translated(po):
    text = po.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the header comes first
    untranslated = [
        entry
        for entry in entries
        if not entry.lstrip().startswith("#~")
        and (entry.rstrip().endswith('msgstr ""') or "#, fuzzy" in entry)
    ]
    assert not untranslated, f"{po}: untranslated or fuzzy entries:\n" + "\n\n".join(untranslated)


def catalogue(mo: Path) -> dict:
    with mo.open("rb") as handle:
        messages = dict(gettext.GNUTranslations(handle)._catalog)
    messages.pop("", None)  # the header: its dates change on every makemessages run
    return messages


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("po", CATALOGUES, ids=[str(p.relative_to(ROOT)) for p in CATALOGUES])
def test_committed_mo_matches_po(po, tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(po)], check=True)
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run bin/messages"
    assert catalogue(mo) == catalogue(fresh), f"{mo} is stale: run bin/messages (or msgfmt)"

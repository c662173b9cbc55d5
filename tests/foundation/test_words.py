"""Every page reads in Chinese: no English word a user would see, and no msgid lost to a collision.

The pages are the GET URLs of the permission matrix (``tests/*/permission_cases.py``), each built
with its record of township B and opened by every role, plus every admin list and add page for
a superuser. Only visible text counts: tags, attributes, scripts and styles are dropped.
"""

from __future__ import annotations

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from axes.models import AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from healthpov.accounts.models import User
from households.models import Household
from tests.factories import UserFactory
from tests.permissions import all_cases

# English words allowed on a Chinese page, each for a reason.
ALLOWED = {
    # file formats and technical names users know in Latin letters
    "ID", "IP", "PDF", "xlsx", "xls", "Excel", "CSV", "API", "HTMX", "JSON", "URL", "SHA",
    "JPEG", "PNG", "WebP", "GIF", "BMP",
    # units
    "mmHg", "mmol", "kg", "cm", "MB",
    # the language switch names each language in itself
    "English",
    # keys as printed on the keyboard, in Django's own translation of the admin's multiple
    # choice hint ("按住 Control 键或 Mac 上的 Command 键来选择多项。")
    "Control", "Command", "Mac",
    # service package names (B1, B2) and the ID number's check letter
    "B", "X",
}  # fmt: skip
# Single letters and numbers with letters (B1, 2026A) are codes, not words.
WORD = re.compile(r"\b[A-Za-z]{2,}\b")

GET_CASES = [
    case for case in all_cases() if "get" in case.methods and not case.api and case.url_name
]


class VisibleText(HTMLParser):
    """Collects the text a reader sees: no tags, attributes, scripts, styles or templates."""

    HIDDEN = {"script", "style", "template", "head"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag) -> None:
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data) -> None:
        if not self.depth:
            self.parts.append(data)


def english_words(response, *, data_words: set[str]) -> set[str]:
    if not response.get("Content-Type", "").startswith("text/html"):
        return set()
    parser = VisibleText()
    parser.feed(response.content.decode())
    text = " ".join(parser.parts)
    return {w for w in WORD.findall(text) if w not in ALLOWED and w not in data_words}


def data_words_of_records() -> set[str]:
    """Latin letters that come from the test records (user names, household numbers, the user
    agents django-axes logs: the test client sends none, logged as "<unknown>")."""
    values = [*User.objects.values_list("username", flat=True)]
    values += Household.objects.values_list("number", flat=True)
    values += AccessLog.objects.values_list("user_agent", flat=True)
    return {word for value in values for word in re.findall(r"[A-Za-z]+", value)}


@pytest.fixture
def readers(cast) -> dict[str, User]:
    """One user of every role, each with a Chinese name as the menu shows it."""
    city_user = UserFactory(username="city_1", role=User.Role.CITY_BUREAU, place=cast.county)
    users = {
        "township": cast.user_a,
        "village doctor": cast.village_doctor_a,
        "county": cast.county_user,
        "city": city_user,
        "inspector": cast.inspector,
        "admin": cast.admin_user,
    }
    for user in users.values():
        user.last_name = "王"
        user.save(update_fields=["last_name"])
    return users


@pytest.mark.parametrize("case", GET_CASES, ids=[case.id for case in GET_CASES])
def test_every_page_is_chinese_for_every_role(case, cast, readers):
    target = case.make(cast)
    url = reverse(case.url_name, kwargs=target.kwargs)
    data_words = data_words_of_records()
    found = {}
    for role, user in readers.items():
        client = Client(headers={"accept-language": "en"})
        client.force_login(user)
        response = client.get(url, target.query)
        if words := english_words(response, data_words=data_words):
            found[role] = sorted(words)
    assert not found, f"{url} shows English words: {found}"


def admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
    return urls


def test_the_admin_is_chinese_for_a_superuser(cast, readers):
    for case in GET_CASES:  # records in the lists, as many cases as can live side by side
        try:
            with transaction.atomic():
                case.make(cast)
        except IntegrityError:
            continue
    client = Client()
    client.force_login(cast.admin_user)
    data_words = data_words_of_records()
    found = {}
    for url in admin_urls():
        if words := english_words(client.get(url), data_words=data_words):
            found[url] = sorted(words)
    assert not found, f"admin pages show English words: {found}"


# --- Collisions: the project's own msgids must show the project's own translations ---


def project_catalogues() -> list[tuple[str, Path]]:
    root = Path(settings.BASE_DIR)
    found = []
    for app in apps.get_app_configs():
        mo = Path(app.path) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
        if mo.exists() and root in mo.parents and ".venv" not in mo.parts:
            found.append((app.label, mo))
    return found


def test_every_project_message_shows_its_own_translation():
    """Django merges every app's catalogue and the first app wins: a msgid that Django, a library
    or another app translates differently needs a context (pgettext)."""
    lost = []
    with translation.override("zh-hans"):
        for label, mo in project_catalogues():
            with mo.open("rb") as handle:
                catalogue = gettext.GNUTranslations(handle)._catalog
            for key, wanted in catalogue.items():
                if not key or isinstance(key, tuple):
                    continue
                context, _sep, msgid = key.rpartition("\x04")
                shown = (
                    translation.pgettext(context, msgid) if context else translation.gettext(msgid)
                )
                if shown != wanted:
                    lost.append(f"{label}: {key!r} wants {wanted!r}, shows {shown!r}")
    assert not lost, "\n".join(lost)

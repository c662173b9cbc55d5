"""healthpov.W001 (healthpov/checks.py): a template library name claimed by two modules is
reported, except the static and i18n libraries the project replaces on purpose."""

from __future__ import annotations

import copy

from django.conf import settings
from django.test import override_settings

from healthpov.checks import TEMPLATE_LIBRARY_NAME_REUSED, template_library_names_used_once


def test_the_replaced_libraries_are_not_reported():
    assert template_library_names_used_once() == []


def test_another_name_claimed_twice_is_reported():
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["libraries"]["humanize"] = "healthpov.accounts.templatetags.masking"
    with override_settings(TEMPLATES=templates):
        warnings = template_library_names_used_once()

    assert [w.id for w in warnings] == [TEMPLATE_LIBRARY_NAME_REUSED]
    assert "'humanize'" in warnings[0].msg

"""Templates keep the app layers: an app's templates include or extend only their own and the
ground's (templates/ root files, snippets/, accounts/, notifications/...); only desk's templates
put several apps' templates together, and the ground's templates name no app."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
DOMAIN_APPS = {"households", "signing", "treatment", "coverage", "inspections", "remediation"}
TOP = "desk"
GROUND = "ground"
REFERENCE = re.compile(r"""{%\s*(?:include|extends)\s+["']([^"']+)["']""")


def owner(name: str) -> str:
    """The layer a template name belongs to; names outside templates/ belong to packages."""
    first = name.split("/", 1)[0]
    if first in DOMAIN_APPS or first == TOP:
        return first
    if (TEMPLATES / name).exists():
        return GROUND
    return "external"


def violations(name: str, text: str) -> list[str]:
    """The templates ``name`` (with content ``text``) may not include or extend."""
    source = owner(name)
    found = []
    for target in REFERENCE.findall(text):
        layer = owner(target)
        if source == TOP or layer in {GROUND, "external", source}:
            continue
        found.append(f"{name} -> {target}")
    return found


def test_no_template_includes_another_apps_template_outside_desk():
    found = [
        violation
        for path in sorted(TEMPLATES.rglob("*.html"))
        for violation in violations(
            path.relative_to(TEMPLATES).as_posix(), path.read_text(encoding="utf-8")
        )
    ]
    assert not found, "templates crossing the app layers (move the glue to templates/desk/): " + (
        ", ".join(found)
    )


def test_the_scan_finds_an_app_including_another_apps_template():
    text = '{% include "treatment/snippets/household_section.html" %}'
    assert violations("households/household_detail.html", text) == [
        "households/household_detail.html -> treatment/snippets/household_section.html"
    ]


def test_the_scan_finds_the_ground_extending_an_apps_template():
    text = "{% extends 'signing/household_sheet.html' %}"
    assert violations("snippets/sheet.html", text) == [
        "snippets/sheet.html -> signing/household_sheet.html"
    ]


def test_desk_templates_may_compose_several_apps():
    text = '{% extends "households/household_detail.html" %}{% include "signing/x.html" %}'
    assert violations("desk/household_detail.html", text) == []

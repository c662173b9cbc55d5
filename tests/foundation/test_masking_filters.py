"""One masking filter library for every template: ``{% load masking %}``."""

import re
from pathlib import Path

from django.conf import settings
from django.template import Context, Template

# The audited reveal answer is the one template that shows full values.
REVEAL_TEMPLATES = {"households/snippets/revealed.html"}
PERSONAL_OUTPUT = re.compile(r"\{\{[^}]*\b(id_number|phone)\b[^}]*\}\}")


def _render(source, **context):
    return Template("{% load masking %}" + source).render(Context(context))


def test_mask_id_shows_the_first_six_and_last_four_digits():
    assert _render("{{ v|mask_id }}", v="350429195603011234") == "350429********1234"


def test_mask_phone_shows_the_first_three_and_last_four_digits():
    assert _render("{{ v|mask_phone }}", v="13812345678") == "138****5678"


def test_every_template_masks_id_numbers_and_phones_through_the_library():
    root = Path(settings.BASE_DIR) / "templates"
    unmasked = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in sorted(root.rglob("*.html"))
        if str(path.relative_to(root)) not in REVEAL_TEMPLATES
        for match in PERSONAL_OUTPUT.finditer(path.read_text(encoding="utf-8"))
        if not re.search(r"\|mask_(id|phone)\b", match.group(0))
    ]
    assert unmasked == []

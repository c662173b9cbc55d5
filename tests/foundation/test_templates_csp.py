"""Our CSP forbids inline scripts, inline styles and event-handler attributes: none in templates."""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = sorted((Path(settings.BASE_DIR) / "templates").glob("**/*.html"))
FORBIDDEN = {
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "<style> block": re.compile(r"<style[\s>]", re.IGNORECASE),
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "on* attribute": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}
# json_script renders <script type="application/json">, which is data, not code.
DATA_SCRIPT = re.compile(r"<script[^>]*type=[\"']application/(ld\+)?json", re.IGNORECASE)
COMMENTS = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)


@pytest.mark.parametrize(
    "template", TEMPLATES, ids=[str(t.relative_to(settings.BASE_DIR)) for t in TEMPLATES]
)
def test_template_has_nothing_the_csp_blocks(template):
    text = COMMENTS.sub("", template.read_text(encoding="utf-8"))
    found = [
        f"{what}: {match.group(0)!r}"
        for what, pattern in FORBIDDEN.items()
        for match in pattern.finditer(text)
        if not (what == "inline <script>" and DATA_SCRIPT.match(match.group(0)))
    ]
    assert not found, found


@pytest.mark.parametrize(
    "template", TEMPLATES, ids=[str(t.relative_to(settings.BASE_DIR)) for t in TEMPLATES]
)
def test_template_comments_fit_on_one_line(template):
    """Django prints a ``{# ... #}`` that spans lines as text: use {% comment %} instead."""
    text = template.read_text(encoding="utf-8")
    broken = [line for line in text.splitlines() if "{#" in line and "#}" not in line]
    assert not broken, broken

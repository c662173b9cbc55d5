"""The environment variables the settings modules read, found by scanning their source."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_DIR = ROOT / "healthpov" / "settings"

ENV_READ = re.compile(
    r"""\b(?:env(?:\.\w+)?|env_bool|env_int|env_database|os\.environ\.get|os\.getenv)"""
    r"""\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)
ENV_INDEX = re.compile(r"""os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]""")


def settings_reads(*, include_test: bool = True) -> set[str]:
    """Names read by ``healthpov/settings/*.py`` (``test.py`` only when ``include_test``)."""
    names: set[str] = set()
    for path in SETTINGS_DIR.glob("*.py"):
        if path.name == "test.py" and not include_test:
            continue
        text = path.read_text(encoding="utf-8")
        names |= set(ENV_READ.findall(text)) | set(ENV_INDEX.findall(text))
    return names


def clean_environ(environ: dict[str, str]) -> dict[str, str]:
    """``environ`` without anything the settings read, nor DJANGO_SETTINGS_MODULE."""
    drop = settings_reads() | {"DJANGO_SETTINGS_MODULE"}
    return {k: v for k, v in environ.items() if k not in drop}

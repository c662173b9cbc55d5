"""Runs corpus files through one import kind in a process of its own and reports, as JSON lines,
the exit status, seconds, peak RSS so far, rows written and the messages of each file.

Used by ``test_bad_files.py``; runnable by hand::

    DATABASE_URL=sqlite:////tmp/probe.sqlite3 python tests/hardening/import_probe.py roster FILE...

The kind ``roster`` goes through ``manage.py import_roster``; any other kind through
``manage.py import_ledger KIND``. A file's rows written are counted over every table of the
project's apps except the import bookkeeping (models named ``*Import*``/``*Batch*``).
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT_APPS = {
    "households",
    "signing",
    "treatment",
    "coverage",
    "inspections",
    "remediation",
    "places",
}


def peak_rss_mb() -> float:
    """Peak RSS of this process image. ``ru_maxrss`` would carry the parent's peak across
    exec, so read the kernel's high-water mark of this address space (VmHWM) instead."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def counted_models():
    from django.apps import apps

    for model in apps.get_models():
        name = model.__name__.lower()
        if model._meta.app_label not in PROJECT_APPS or "import" in name or "batch" in name:
            continue
        yield model


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in counted_models()}


def _ends(text: str, keep: int = 1500) -> str:
    return text if len(text) <= 2 * keep else f"{text[:keep]} … {text[-keep:]}"


def run_one(kind: str, path: Path) -> dict:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    before = row_counts()
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    status = 0
    crash = ""
    try:
        if kind == "roster":
            call_command("import_roster", str(path), stdout=out, stderr=err)
        else:
            call_command("import_ledger", kind, str(path), stdout=out, stderr=err)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    except CommandError as exc:
        status = 1
        err.write(str(exc))
    except Exception as exc:
        status = 99
        crash = f"{type(exc).__name__}: {exc}"[:2000]
    seconds = time.monotonic() - started
    after = row_counts()
    written = {
        label: after[label] - before.get(label, 0)
        for label in after
        if after[label] != before.get(label, 0)
    }
    return {
        "kind": kind,
        "file": path.name,
        "status": status,
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "written": written,
        "stdout": _ends(out.getvalue()),
        "stderr": _ends(err.getvalue()),
        "crash": crash,
    }


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthpov.settings.test")
    import django

    django.setup()
    import logging

    logging.disable(logging.CRITICAL)  # the report is the output; keep stdout parseable
    kind, files = sys.argv[1], [Path(p) for p in sys.argv[2:]]
    for path in files:
        print(json.dumps(run_one(kind, path), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

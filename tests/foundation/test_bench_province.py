"""bench/province.py at a toy size, so the script cannot rot (its real size, 6,000,000 persons,
is far too heavy for CI: docs/scaling.md says how to run it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="bench/province.py builds PostgreSQL databases (COPY, templates, EXPLAIN); "
    "the PostgreSQL run of the suite covers it",
)


def test_province_benchmark_runs_at_a_toy_size():
    database = settings.DATABASES["default"]
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    server = (
        f"postgres://{database['USER']}{password}@{database['HOST'] or '127.0.0.1'}"
        f":{database['PORT'] or 5432}"
    )
    result = subprocess.run(
        [
            sys.executable, "bench/province.py", "--counties", "2", "--persons-per-county",
            "500", "--small-counties", "1", "--import-rows", "200", "--rounds", "1",
            "--details", "1", "--recompute-runs", "1", "--dashboard-requests", "2",
            "--prefix", f"hp_province_smoke_{os.getpid()}", "--broker", "",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            # bench/coverage.py and bench/load.py each name the server by their own variable
            "BENCH_DATABASE_URL": server,
            "PG_URL": server,
            "BENCH_DIR": str(ROOT / "var" / "bench"),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for figure in (
        "(a) p95 ratio",
        "sequential scans of tables over",
        "(b) ratio",
        "(c) recompute",
        "(d) city",
        "(d) province",
        "per million persons",
    ):
        assert figure in result.stdout, (figure, result.stdout[-3000:])

"""Import and recompute timings of this checkout against a baseline commit, in one run.

    .venv/bin/python bench/compare.py --base REF [--rows 20000] [--repeat 3]
        [--database sqlite|postgres|both]

The baseline is ``REF``'s code checked out in a temporary git worktree; both trees are driven
through the same public commands, each in processes of its own, alternating base / this
checkout so that any change in the machine's load falls on both:

- **roster import**: ``bench/import_roster.py``'s generated roster of ``--rows`` persons
  imported into an empty registry (``import_roster`` engine, first import), then again
  (unchanged re-import);
- **recompute**: ``recompute_coverage`` for the demo county (``seed_demo``), year 2018 as of
  2018-06-04.

Prints the median seconds of each tree and the ratio this/base (below 1.0 is faster).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/healthpov-bench"))

IMPORT_SNIPPET = """
import json, time
from pathlib import Path
from households.imports import ImportContext
from households.ledgers import RosterLedger
from households.services import import_file
timings = []
for _ in range(2):
    started = time.perf_counter()
    result = import_file(kind=RosterLedger.kind, path=Path({path!r}),
                         context=ImportContext(user=None, options={{"year": 2018}}), actor=None)
    timings.append(time.perf_counter() - started)
    assert result.ok, result.error_lines()[:5]
print("RESULT " + json.dumps(timings))
"""

RECOMPUTE_SNIPPET = """
import json, time
from django.core.management import call_command
timings = []
for _ in range(3):
    started = time.perf_counter()
    call_command("recompute_coverage", "--year", "2018", "--as-of", "2018-06-04", verbosity=0)
    timings.append(time.perf_counter() - started)
print("RESULT " + json.dumps(timings))
"""


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def describe_this() -> str:
    """This checkout as ``git describe`` names it (``-dirty`` when it has uncommitted changes)."""
    return git("describe", "--always", "--dirty")


def default_base() -> tuple[str, str]:
    """The commit this branch started from (its merge-base with ``main``), or ``HEAD~1`` when
    this checkout is ``main`` itself (or has no ``main``): (ref, why)."""
    head = git("rev-parse", "HEAD")
    try:
        fork = git("merge-base", "HEAD", "main")
    except subprocess.CalledProcessError:
        fork = head
    if fork != head:
        return fork, "the merge-base of HEAD and main"
    return "HEAD~1", "the previous commit (HEAD is on main)"


@contextlib.contextmanager
def base_worktree(ref: str) -> Iterator[tuple[Path, str]]:
    """``ref``'s code checked out in a temporary detached git worktree: (its path, the short
    commit). The worktree is removed afterwards."""
    commit = git("rev-parse", "--short", f"{ref}^{{commit}}")
    with tempfile.TemporaryDirectory(prefix="healthpov-base-") as tmp:
        tree = Path(tmp) / "tree"
        git("worktree", "add", "--detach", "-q", str(tree), commit)
        try:
            yield tree, commit
        finally:
            remove = ["git", "worktree", "remove", "--force", str(tree)]
            subprocess.run(remove, cwd=ROOT, check=False)


def env_for(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "healthpov.settings.local",
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
        "REDIS_URL": "",  # jobs run in the process that asks for them, on every machine
        "ALLOWED_HOSTS": "testserver",  # pages asked through Django's test client
    }


def manage(tree: Path, url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=tree, env=env_for(url), check=True, capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout


def fresh_database(kind: str, name: str) -> str:
    if kind == "sqlite":
        path = WORK / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(
            ["psql", f"{PG_SERVER}/postgres", "-q", "-c", sql],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return f"{PG_SERVER}/{name}"


def result_of(output: str) -> list[float]:
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def time_import(tree: Path, kind: str, roster: Path) -> tuple[float, float]:
    url = fresh_database(kind, "bench_compare_import")
    manage(tree, url, "migrate", "-v0")
    manage(
        tree, url, "shell", "-c", "from healthpov.places.demo import build_places; build_places()"
    )
    first, again = result_of(
        manage(tree, url, "shell", "-c", IMPORT_SNIPPET.format(path=str(roster)))
    )
    return first, again


def seeded_database(tree: Path, kind: str, name: str) -> str:
    """A fresh database ``name`` migrated and seeded by ``tree``'s code; its URL."""
    url = fresh_database(kind, name)
    manage(tree, url, "migrate", "-v0")
    # The demo of 2018 as of 2018-06-04 (trees before seed_demo had --year built only that).
    year = ["--year", "2018"] if "--year" in manage(tree, url, "seed_demo", "--help") else []
    manage(tree, url, "seed_demo", *year)
    if kind == "postgres":
        # A server's autovacuum would have analysed the new tables; this machine's runs
        # without it, and trees before seed_demo's own ANALYZE left the planner none.
        subprocess.run(["psql", url, "-q", "-c", "ANALYZE"], check=True, stdout=subprocess.DEVNULL)
    return url


def time_recompute(tree: Path, kind: str) -> float:
    url = seeded_database(tree, kind, "bench_compare_recompute")
    return min(result_of(manage(tree, url, "shell", "-c", RECOMPUTE_SNIPPET)))


def generate_roster(rows: int) -> Path:
    path = WORK / f"roster-{rows}.xlsx"
    if not path.exists():
        subprocess.run(
            [sys.executable, "bench/import_roster.py", "--rows", str(rows), "--database",
             "sqlite", "--skip-b"],
            cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True, help="git ref of the baseline code")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    roster = generate_roster(args.rows)
    head = describe_this()
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    with base_worktree(args.base) as (base_tree, base_commit):
        trees = {"base": base_tree, "this": ROOT}
        samples: dict[tuple[str, str, str], list[float]] = {}
        for kind in kinds:
            for _ in range(args.repeat):
                for name, tree in trees.items():
                    first, again = time_import(tree, kind, roster)
                    samples.setdefault((kind, "import (first)", name), []).append(first)
                    samples.setdefault((kind, "import (unchanged)", name), []).append(again)
                    samples.setdefault((kind, "recompute (demo)", name), []).append(
                        time_recompute(tree, kind)
                    )
    print(f"base {base_commit} vs this {head}; {args.rows:,} roster rows; median of {args.repeat}")
    print(f"{'database':<9} {'measure':<20} {'base s':>8} {'this s':>8} {'this/base':>10}")
    for kind in kinds:
        for measure in ("import (first)", "import (unchanged)", "recompute (demo)"):
            base = statistics.median(samples[(kind, measure, "base")])
            this = statistics.median(samples[(kind, measure, "this")])
            print(f"{kind:<9} {measure:<20} {base:8.3f} {this:8.3f} {this / base:10.2f}")


if __name__ == "__main__":
    main()

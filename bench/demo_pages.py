"""The demo county's report forms, work lists and recompute, this checkout against a baseline.

    .venv/bin/python bench/demo_pages.py [--base REF] [--repeat 5]
        [--database sqlite|postgres|both]

Both trees (``REF``'s code in a temporary git worktree, default ``main``, and this checkout)
get a database of their own built the same way: ``migrate`` and ``seed_demo`` (the demo
county, 5,000 persons; ``--year 2018`` where the command has that option), so the period
asked for is 2018 as of 2018-06-04, the day the demo's snapshots are taken. Then, in processes
of their own, alternating base / this so that a change in the machine's load falls on both:

- **recompute**: ``recompute_coverage`` of the demo county for that day (best of 3 runs);
- **pages**: through Django's test client (same middleware and templates as the server), the
  two government forms and their ``.xlsx`` for the county (county user) and for a township
  (its township user), the work lists' overview and every work list (township user and county
  user); the median wall time of ``--repeat`` requests after one warm-up request, and the
  queries one request makes.

Prints per database and page: base ms, this ms, the ratio this/base (below 1.0 is faster) and
the query counts, and the same for the recompute in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.compare import (  # noqa: E402
    WORK,
    base_worktree,
    describe_this,
    manage,
    seeded_database,
)

# Names of the two databases (SQLite files in WORK, PostgreSQL databases): give concurrent
# runs on one machine prefixes of their own.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "bench_demo_pages")
PERIOD = "year=2018&as_of=2018-06-04"

# Runs inside a tree (``manage.py shell -c``): prints one RESULT line of JSON.
MEASURE_SNIPPET = """
import datetime, json, statistics, time
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from healthpov.accounts.models import User
from healthpov.places.models import Place
from signing.views import WORKLISTS

repeat = {repeat}
period = {period!r}
recompute = []
for _ in range(3):
    started = time.perf_counter()
    call_command("recompute_coverage", "--year", "2018", "--as-of", "2018-06-04", verbosity=0)
    recompute.append(time.perf_counter() - started)

county = User.objects.get(username="county")
township = User.objects.get(username="shancheng")
pages = []
for user in (county, township):
    place = user.place
    for slug in ("work", "signing"):
        pages.append((user, "form " + slug, reverse("coverage:form", args=[place.pk, slug])))
        pages.append(
            (user, "form " + slug + " xlsx", reverse("coverage:form_xlsx", args=[place.pk, slug]))
        )
    pages.append((user, "worklists", reverse("signing:worklists")))
    for slug in WORKLISTS:
        pages.append((user, "worklist " + slug, reverse("signing:worklist", args=[slug])))
clients = {{}}
for user in (county, township):
    clients[user.pk] = Client()
    clients[user.pk].force_login(user)
results = {{}}
for user, name, path in pages:
    client = clients[user.pk]
    url = path + "?" + period
    assert client.get(url).status_code == 200, url  # warm
    walls = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            walls.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    results[user.username + " " + name] = [statistics.median(walls), len(queries)]
print("RESULT " + json.dumps({{"recompute": min(recompute), "pages": results}}))
"""


def measure(tree: Path, url: str, repeat: int) -> dict:
    output = manage(tree, url, "shell", "-c", MEASURE_SNIPPET.format(repeat=repeat, period=PERIOD))
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="main", help="git ref of the baseline code")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2, help="alternations base / this")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    head = describe_this()
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    samples: dict[tuple[str, str], list[dict]] = {}
    with base_worktree(args.base) as (base_tree, base_commit):
        trees = {"base": base_tree, "this": ROOT}
        for kind in kinds:
            urls = {
                name: seeded_database(tree, kind, f"{DB_PREFIX}_{name}")
                for name, tree in trees.items()
            }
            for _ in range(args.rounds):
                for name, tree in trees.items():
                    samples.setdefault((kind, name), []).append(
                        measure(tree, urls[name], args.repeat)
                    )
    print(f"base {base_commit} vs this {head}; demo county; medians of {args.rounds} rounds")
    for kind in kinds:
        base, this = samples[(kind, "base")], samples[(kind, "this")]
        print(f"\n{kind}")
        print(f"{'page':<40} {'base ms':>8} {'this ms':>8} {'this/base':>9} {'queries':>9}")
        for page in this[0]["pages"]:
            b = statistics.median(run["pages"][page][0] for run in base if page in run["pages"])
            t = statistics.median(run["pages"][page][0] for run in this)
            queries = f"{base[0]['pages'].get(page, [0, '-'])[1]}/{this[0]['pages'][page][1]}"
            print(f"{page:<40} {b * 1000:8.1f} {t * 1000:8.1f} {t / b:9.2f} {queries:>9}")
        b = statistics.median(run["recompute"] for run in base)
        t = statistics.median(run["recompute"] for run in this)
        print(f"{'recompute (s)':<40} {b:8.3f} {t:8.3f} {t / b:9.2f}")


if __name__ == "__main__":
    main()

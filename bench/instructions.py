"""Instructions a request, base against this tree: the Python side of each kind of page counted
by valgrind, a figure that does not move with the host's speed.

    .venv/bin/python bench/instructions.py --database hp_loadfull [--base REF] [--repeat 3]
        [--pages 10] [--kind list --kind detail ...]
    .venv/bin/python bench/instructions.py --url sqlite:///demo.sqlite3 --no-base
    .venv/bin/python bench/instructions.py --database hp_loadfull --no-base \
        --path "/signing/lists/followups/?as_of=2018-06-04" [--path ...] [--user county]

On a shared host a fixed Python loop's time moved twofold within an hour (docs/scaling.md
"Session 12"), so a timed comparison of two trees needs many alternated rounds to see 5 %.
This counts instead. For each tree (``--base``'s code in a temporary git worktree, as
``bench/load.py`` does, then this checkout) and each kind of ``bench/load.py``'s mix, two
child processes run under ``valgrind --tool=cachegrind --cache-sim=no``: each sets Django up,
signs the township and the county user in and asks the kind's first ``--pages`` pages once
(imports, caches); then one of them asks them ``--repeat`` more times. The difference of the
two children's instruction counts, divided by the requests, is what a warm request costs the
web process: middleware, view, query building, templates. PostgreSQL's side runs in another
process and is not counted (``bench/page_costs.py`` times it). Both children use the same
hash seed; the counts repeat to about 0.1 %.

The pages are ``bench/load.py``'s (``request_paths``), read once from the database by this
tree, so both trees ask the same ones; ``--path`` (repeatable) counts those pages instead,
each alone, as the township user or (``--user county``) the county user. Needs ``valgrind``
(apt-get install valgrind).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import load  # noqa: E402

from bench.compare import base_worktree, default_base, describe_this, env_for  # noqa: E402

REFS = re.compile(r"I\s+refs:\s+([\d,]+)")

# Run by each child, in the tree being measured (its cwd comes first on sys.path).
CHILD = """
import json, sys, warnings
warnings.filterwarnings("ignore")
import django
django.setup()
from django.test import Client
from healthpov.accounts.models import User
job = json.loads(sys.argv[1])
clients = []
for username in job["users"]:
    client = Client()
    client.force_login(User.objects.get(username=username))
    clients.append(client)
for _ in range(1 + job["repeat"]):
    for user, path in job["pages"]:
        response = clients[user].get(path)
        assert response.status_code == 200, (path, response.status_code)
"""


def django_env(url: str) -> dict[str, str]:
    """``bench/compare.py``'s environment, with one hash seed for every child."""
    return {**env_for(url), "PYTHONHASHSEED": "0"}


def instructions(tree: Path, url: str, job: dict) -> int:
    """Instructions of one child run in ``tree`` (valgrind's I refs)."""
    done = subprocess.run(
        [
            "valgrind", "--tool=cachegrind", "--cache-sim=no",
            "--cachegrind-out-file=/dev/null", sys.executable, "-c", CHILD, json.dumps(job),
        ],
        cwd=tree, env=django_env(url), capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = REFS.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"the child in {tree} failed:\n{done.stderr[-3000:]}")
    return int(found.group(1).replace(",", ""))


def per_request(tree: Path, url: str, users: list[str], pages: list, repeat: int) -> float:
    """Instructions a warm request of ``pages``: (warm + repeat rounds) - (warm round)."""
    warm = instructions(tree, url, {"users": users, "pages": pages, "repeat": 0})
    more = instructions(tree, url, {"users": users, "pages": pages, "repeat": repeat})
    return (more - warm) / (repeat * len(pages))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--database", help="a PostgreSQL database of PG_URL's server")
    where.add_argument("--url", help="a DATABASE_URL (sqlite:///... or postgres://...)")
    parser.add_argument("--base", help="git ref of the baseline (default: as bench/load.py)")
    parser.add_argument("--no-base", action="store_true", help="count this checkout only")
    parser.add_argument("--repeat", type=int, default=3, help="rounds counted (default 3)")
    parser.add_argument("--pages", type=int, default=10, help="pages of each kind (default 10)")
    parser.add_argument("--kind", action="append", choices=load.KINDS, help="default: all four")
    parser.add_argument(
        "--path", action="append", help="count this page alone instead of the mix's kinds"
    )
    parser.add_argument("--user", choices=["township", "county"], default="township")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        parser.error("valgrind is missing: apt-get install valgrind")
    if args.repeat < 1 or args.pages < 1:
        parser.error("--repeat and --pages must be at least 1")

    server = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
    url = args.url or f"{server}/{args.database}"
    os.environ.update({k: v for k, v in django_env(url).items() if k != "PYTHONHASHSEED"})
    import django

    django.setup()

    paths = load.request_paths()
    users = [load.TOWNSHIP_USER, load.COUNTY_USER]
    kinds = args.kind or list(load.KINDS)
    if args.path:
        # Each page a "kind" of its own, named by its path, asked as the chosen user.
        user = 1 if args.user == "county" else 0
        paths = {path: [(user, path)] for path in args.path}
        kinds = list(args.path)

    with ExitStack() as stack:
        trees = {}
        if not args.no_base:
            base_ref = args.base or default_base()[0]
            base_tree, base_name = stack.enter_context(base_worktree(base_ref))
            trees[f"base {base_name}"] = base_tree
        trees[f"this {describe_this()}"] = ROOT
        counts = {
            (name, kind): per_request(tree, url, users, paths[kind][: args.pages], args.repeat)
            for kind in kinds
            for name, tree in trees.items()
        }

    names = list(trees)
    print(f"instructions a warm request of the web process (millions), {args.repeat} rounds")
    width = max(10, *(len(kind[:48]) for kind in kinds))
    print(f"{'kind':<{width}} {'pages':>5} " + " ".join(f"{n:>20}" for n in names), end="")
    print(f" {'this/base':>10}" if len(names) == 2 else "")
    for kind in kinds:
        row = [counts[(name, kind)] / 1e6 for name in names]
        line = f"{kind[:48]:<{width}} {len(paths[kind][: args.pages]):>5} "
        line += " ".join(f"{value:>20.2f}" for value in row)
        if len(row) == 2:
            line += f" {row[1] / row[0]:>10.3f}"
        print(line)


if __name__ == "__main__":
    main()

"""What each page of the load benchmark costs, one request at a time (no queueing).

    .venv/bin/python bench/page_costs.py --database healthpov_load [--repeat 5] [--profile KIND]
    .venv/bin/python bench/page_costs.py --url sqlite:///demo.sqlite3
    .venv/bin/python bench/page_costs.py --database healthpov_load --user county \
        --path "/signing/lists/visits/?as_of=2018-06-04" [--path ...]

Against a database that ``bench/load.py --keep`` built (or any database with the demo county,
``--url``: a ``DATABASE_URL``, e.g. SQLite after ``seed_demo --year 2018``), asks every page of
``bench/load.py``'s mix through Django's test client (same middleware and templates as
gunicorn) and prints per path shape: wall ms, Python CPU ms, SQL ms, the database backend's
CPU ms (``db cpu``: from ``/proc``, PostgreSQL on this machine; connections are kept, as in
production) and query count, medians of ``--repeat`` requests. The load benchmark's latencies
are queueing on two cores; this says which pages the time per request goes to.
``--profile KIND`` prints cProfile's top functions over that kind's pages. ``--path``
(repeatable) asks those pages instead of the mix's, as the township user or (``--user
county``) the county user. Last, per kind, the means over all its requests (what
``bench/load.py``'s round robin over the kind's pages asks).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import load  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--database", help="a PostgreSQL database of PG_URL's server")
    where.add_argument("--url", help="a DATABASE_URL (sqlite:///... or postgres://...)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", choices=load.KINDS)
    parser.add_argument("--path", action="append", help="a page to ask instead of the mix's")
    parser.add_argument("--user", choices=["township", "county"], default="township")
    args = parser.parse_args()

    server = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="healthpov.settings.local",
        DEBUG="false",
        SECRET_KEY="page-costs-only",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=args.url or f"{server}/{args.database}",
        REDIS_URL="",
        LOG_LEVEL="WARNING",
        # Connections kept as in production (settings/production.py): one backend to read.
        CONN_MAX_AGE="600",
    )
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from healthpov.accounts.models import User

    clients = []
    for username in (load.TOWNSHIP_USER, load.COUNTY_USER):
        client = Client()
        client.force_login(User.objects.get(username=username))
        clients.append(client)
    if args.path:
        user = 1 if args.user == "county" else 0
        paths = {args.profile or "page": [(user, path) for path in args.path]}
    else:
        paths = load.request_paths()

    if args.profile:
        for user, path in paths[args.profile]:
            clients[user].get(path)  # warm: imports, URLconf, templates
        profile = cProfile.Profile()
        profile.enable()
        for user, path in paths[args.profile]:
            for _ in range(args.repeat):
                clients[user].get(path)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
        if os.environ.get("PROFILE_CALLERS"):
            pstats.Stats(profile).print_callers(os.environ["PROFILE_CALLERS"])
            pstats.Stats(profile).print_callees(os.environ["PROFILE_CALLERS"])
        return

    print(f"database: {os.environ['DATABASE_URL']}")
    print(f"{'kind':<10} {'page':<52} {HEADER}")
    kinds: dict[str, list[tuple[float, float, float, float, int]]] = {}
    for kind, entries in paths.items():
        shapes: dict[str, list[tuple[float, float, float, float, int]]] = {}
        for user, path in entries:
            clients[user].get(path)  # warm
            for _ in range(args.repeat):
                db = _backend_cpu(connection)
                with CaptureQueriesContext(connection) as queries:
                    wall, cpu = time.perf_counter(), time.process_time()
                    response = clients[user].get(path)
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                db = _backend_cpu(connection) - db
                assert response.status_code == 200, (path, response.status_code)
                sql = sum(float(q["time"]) for q in queries.captured_queries)
                shape = re.sub(r"\d+", "N", path)
                sample = (wall, cpu, sql, db, len(queries))
                shapes.setdefault(shape, []).append(sample)
                kinds.setdefault(kind, []).append(sample)
        for shape, samples in shapes.items():
            columns = zip(*samples, strict=True)
            wall, cpu, sql, db, count = (statistics.median(column) for column in columns)
            print(
                f"{kind:<10} {shape[:52]:<52} {wall * 1000:7.1f} {cpu * 1000:7.1f} "
                f"{sql * 1000:7.1f} {db * 1000:7.1f} {count:7.0f}"
            )

    print(f"\n{'kind':<10} {'mean of requests':<52} {HEADER}")
    for kind, samples in kinds.items():
        columns = zip(*samples, strict=True)
        wall, cpu, sql, db, count = (statistics.mean(column) for column in columns)
        print(
            f"{kind:<10} {len(samples):<52} {wall * 1000:7.1f} {cpu * 1000:7.1f} "
            f"{sql * 1000:7.1f} {db * 1000:7.1f} {count:7.1f}"
        )


HEADER = f"{'wall':>7} {'cpu':>7} {'sql':>7} {'db cpu':>7} {'queries':>7}"


def _backend_cpu(connection) -> float:
    """The seconds of CPU the PostgreSQL backend serving ``connection`` has run, from
    ``/proc`` (the server runs on this machine); 0 on SQLite or another machine's server."""
    if connection.vendor != "postgresql":
        return 0.0
    connection.ensure_connection()
    stat = Path(f"/proc/{connection.connection.info.backend_pid}/schedstat")
    try:
        return int(stat.read_text().split()[0]) / 1e9
    except OSError:
        return 0.0


if __name__ == "__main__":
    main()

"""A province in one PostgreSQL database (issue 15, item 3).

    /work/main/.venv/bin/python bench/province.py [--counties 100] [--persons-per-county 60000]
        [--small-counties 10] [--import-rows 50000] [--rounds 20] [--recompute-runs 2]
        [--prefix hp_province] [--keep] [--reuse] [--build-only] [--figures abcd]
        [--no-parallel] [--broker redis://127.0.0.1:6379/14]

Builds, each in a database of its own (``PREFIX_empty``, ``PREFIX_60k``, ``PREFIX_600k``,
``PREFIX_6m``; the suffixes name the default sizes, whatever the flags say):

* empty: migrated, the demo place tree (福建省 → 三明市 → 泰宁县 and its townships), an empty
  county 导入县 for the roster import, and two bench users at city and province level;
* 60k: a copy of it with ``seed_demo`` (the demo county, its users) filled with
  ``bench/coverage.py``'s COPY loader up to ``--persons-per-county`` persons: one county;
* 600k: a copy of that with ``--small-counties`` counties in all (9 more, 三明市's);
* 6m: a copy of that with ``--counties`` counties (90 more, in 9 more cities): 6,000,000
  persons at the default sizes. Every county has 12 townships of 15 villages (the demo county
  keeps its own 9 townships); secondary indexes of the loaded tables are dropped while it loads
  and made again afterwards, then ``VACUUM ANALYZE``.

Then it prints the four figures of the issue:

(a) a township user's pages (``bench/load.py``'s page kinds and URLs: list, search, detail,
    dashboard, as 杉城镇's user; the county dashboard as the county user) with the Django test
    client, in-process, rounds alternating between the databases so that the other users of a
    shared machine weigh on both alike: p50/p95 wall time and CPU (this process and its
    PostgreSQL backend) per kind, and the ratio of the p95s, largest / 60k (target ≤ 1.3).
    Then ``EXPLAIN (ANALYZE, BUFFERS)`` of every SELECT each page shape runs on the largest
    database (captured with ``CaptureQueriesContext``): one line per query with the plan's
    node types and any sequential scan of a table of more than 100,000 rows.
(b) a 50,000-row roster of 导入县 (``bench/import_roster.py``'s generator) through
    ``manage.py import_roster`` into the empty database and into the largest one (target: ≤ 1.5×).
(c) the full recompute of every place (``recompute_coverage``, what the nightly job runs) at
    600k and at the largest size (targets: ≤ 60 s; ratio ≤ 12 for 6M / 600k), and the
    recompute one county's import queues (``recompute_coverage_around``).
(d) the city (三明市) and province (福建省) dashboards, read from snapshots (target ≤ 100 ms).

And the size of each database (``pg_database_size``) and per million persons. The databases
are dropped at the end unless ``--keep``; ``--reuse`` takes kept ones as they are (migrated);
``--build-only`` builds and keeps them; ``--figures`` picks some of the four;
``--no-parallel`` turns parallel query off in them (docs/scaling.md says why). The import's
recompute job goes to ``--broker``, a Redis database no worker reads (emptied after each import;
none: the job runs inside the import, as without Redis).
Too heavy for CI: tests/foundation/test_bench_province.py runs it at a toy size.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.coverage import SERVER, YEAR, psql  # noqa: E402
from bench.load import load_average, log  # noqa: E402
from bench.load import psql as query  # noqa: E402

AS_OF = datetime.date(2018, 6, 4)  # the demo's latest snapshot day (bench/load.py's)
TOWNSHIPS_PER_COUNTY = 12
VILLAGES_PER_TOWNSHIP = 15
COUNTIES_PER_CITY = 10
COUNTIES_PER_LOAD = 10  # one COPY transaction (and one ANALYZE) per this many counties
IMPORT_COUNTY = "导入县"
IMPORT_TOWNSHIPS = 12
IMPORT_VILLAGES = 15
BIG_TABLE_ROWS = 100_000
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/healthpov-province"))
# Tables bench/coverage.py's loader writes: their secondary indexes go while a big load runs.
LOADED_TABLES = [
    "households_household",
    "households_person",
    "households_rosterentry",
    "signing_contract",
    "signing_unsignedrecord",
    "signing_chronicregistration",
    "signing_fulfilmentrecord",
    "signing_healthcheck",
    "signing_specialdiseasediagnosis",
    "signing_booklet",
    "treatment_majorillnesscase",
    "treatment_inpatientstay",
]
TARGETS = (
    "targets: (a) p95 ratio <= 1.3 and no sequential scan of a big table; (b) import <= 1.5 x "
    "empty; (c) recompute <= 60 s, 6M/600k <= 12; (d) city and province dashboards <= 100 ms"
)


def exists(database: str) -> bool:
    return query(f"SELECT count(*) FROM pg_database WHERE datname = '{database}'") == "1"


def env_for(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "healthpov.settings.local",
        "DEBUG": "false",
        "SECRET_KEY": "province-benchmark-only-not-secret",
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "DATABASE_URL": f"{SERVER}/{database}",
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }


def manage(database: str, *args: str, **extra_env: str) -> tuple[str, float]:
    """Runs ``manage.py`` against ``database``; returns its output and the CPU seconds it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**env_for(database), **extra_env},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result.stdout, cpu


def use(database: str) -> None:
    """Points this process's Django connection (and its cache) at ``database``."""
    from django.core.cache import cache
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = database
    cache.clear()


def copy_database(source: str, target: str) -> None:
    from django.db import connections

    connections.close_all()
    psql(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def persons(database: str) -> int:
    return int(query("SELECT count(*) FROM households_person", database))


# ----------------------------------------------------------------------------- building


def build_empty(database: str) -> None:
    """Migrated; the demo's place tree, an empty county for the import, bench users."""
    psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{database}"')
    manage(database, "migrate", "-v0")
    use(database)
    from healthpov.accounts.models import User
    from healthpov.places.demo import build_places
    from healthpov.places.models import Place

    county = build_places()
    city = county.parent
    Place.objects.create(name=IMPORT_COUNTY, level=Place.Level.COUNTY, parent=city)
    User.objects.create(username="bench_city", role=User.Role.CITY_BUREAU, place=city)
    User.objects.create(username="bench_province", role=User.Role.CITY_BUREAU, place=city.parent)


def build_first_county(database: str, persons_wanted: int) -> None:
    """seed_demo, then the demo county filled up to ``persons_wanted`` (bench/load.py's fill)."""
    manage(database, "seed_demo", "--year", str(YEAR))
    use(database)
    from bench.load import fill

    fill(persons_wanted)


def _new_places(first_county: int, count: int) -> list[list[tuple[int, int]]]:
    """Counties ``first_county`` .. (0 is the demo's 泰宁县), ``COUNTIES_PER_CITY`` to a city
    (city 0 is 三明市), each with its townships and villages; (township, village) ids per county.
    Places are few (a county has 192): written with bulk_create and one UPDATE of the paths."""
    from django.db import connection

    from healthpov.places.models import Place

    province = Place.objects.get(level=Place.Level.PROVINCE, name="福建省")
    cities = {0: Place.objects.get(level=Place.Level.CITY, name="三明市")}
    result = []
    for c in range(first_county, first_county + count):
        city_index = c // COUNTIES_PER_CITY
        if city_index not in cities:
            cities[city_index] = Place.objects.get_or_create(
                name=f"基准{city_index}市", level=Place.Level.CITY, parent=province
            )[0]
        county = Place.objects.create(
            name=f"基准{c}县", level=Place.Level.COUNTY, parent=cities[city_index], code=f"{c:06d}"
        )
        townships = Place.objects.bulk_create(
            [
                Place(name=f"第{t + 1}镇", level=Place.Level.TOWNSHIP, parent=county)
                for t in range(TOWNSHIPS_PER_COUNTY)
            ]
        )
        villages = Place.objects.bulk_create(
            [
                Place(name=f"第{v + 1}村", level=Place.Level.VILLAGE, parent=township)
                for township in townships
                for v in range(VILLAGES_PER_TOWNSHIP)
            ]
        )
        result.append([(v.parent_id, v.pk) for v in villages])
    with connection.cursor() as cursor:
        for _ in range(2):  # townships, then villages
            cursor.execute(
                "UPDATE places_place AS p SET path = parent.path || p.id || '/' "
                "FROM places_place AS parent WHERE p.parent_id = parent.id AND p.path = '' "
                "AND parent.path <> ''"
            )
    return result


def _identity(region: str, seed: int):
    """(resident ID, name, sex) with valid IDs unique within ``region`` (one per load)."""
    from households.demo import GIVEN, SURNAMES
    from households.idnumber import make_resident_id

    rng = random.Random(seed)
    per_day: dict[datetime.date, int] = defaultdict(int)

    def identity(person_id: int, birth: datetime.date) -> tuple[str, str, str]:
        sequence = per_day[birth]
        per_day[birth] += 1
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.8 else "")
        return (
            make_resident_id(region, birth, sequence),
            rng.choice(SURNAMES) + given,
            "M" if sequence % 2 else "F",
        )

    return identity


def secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of ``tables`` no constraint stands on."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relname = ANY(%s) AND NOT i.indisprimary AND NOT i.indisunique "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
            [tables],
        )
        return cursor.fetchall()


def add_counties(first_county: int, count: int, persons_per_county: int, fast: bool) -> float:
    """``count`` counties of ``persons_per_county`` persons each; returns the seconds taken.
    ``fast``: secondary indexes dropped while loading and triggers (the foreign-key checks;
    the loader's rows are consistent by construction) off, as for any bulk load."""
    from django.db import connection

    from bench.coverage import load

    started = time.perf_counter()
    dropped = secondary_indexes(LOADED_TABLES) if fast else []
    with connection.cursor() as cursor:
        for name, _definition in dropped:
            cursor.execute(f'DROP INDEX "{name}"')
        if fast:
            cursor.execute("SET session_replication_role = replica")
    for chunk in range(first_county, first_county + count, COUNTIES_PER_LOAD):
        size = min(COUNTIES_PER_LOAD, first_county + count - chunk)
        villages = [pair for county in _new_places(chunk, size) for pair in county]
        first = int(query_one("SELECT coalesce(max(id), 0) + 1 FROM households_person"))
        loaded = load(
            first,
            size * persons_per_county,
            0,
            villages=villages,
            identity=_identity(f"36{chunk:04d}", chunk),
        )
        log(
            f"  counties {chunk}..{chunk + size - 1}: {loaded['persons']:,} persons in "
            f"{loaded['seconds']:.0f} s; {load_average()}"
        )
    with connection.cursor() as cursor:
        if fast:
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("SET maintenance_work_mem = '1GB'")
        for _name, definition in dropped:
            cursor.execute(definition)
    if dropped:
        log(f"  {len(dropped)} secondary indexes dropped during the load and made again")
    connection.close()
    return time.perf_counter() - started


def query_one(sql: str):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def settle(database: str) -> None:
    """What autovacuum does in time (this server runs without it): visibility map and
    statistics, then a checkpoint so nothing is still being written out while timed."""
    from django.db import connections

    connections.close_all()
    psql("VACUUM ANALYZE", database)
    psql("CHECKPOINT", database)


# ----------------------------------------------------------------------------- (c), (d)


def time_recompute(database: str, runs: int) -> float:
    """Median wall seconds of the full recompute (bench/coverage.py's time_recompute)."""
    from bench.coverage import time_recompute as timed

    use(database)
    return timed(runs=runs)


def time_recompute_around(database: str, runs: int) -> float:
    """Median wall seconds of the recompute a change of one county's registry queues (that
    county, its city and the province; the full recompute's snapshots in place)."""
    from coverage.services import recompute_coverage_around
    from healthpov.places.models import Place

    use(database)
    township = Place.objects.filter(level=Place.Level.TOWNSHIP, parent__name="泰宁县").first()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        recompute_coverage_around(year=YEAR, as_of=AS_OF, places=[township.pk])
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def time_dashboards(database: str, requests: int) -> dict[str, tuple[float, float, float]]:
    from django.test import Client
    from django.urls import reverse

    from healthpov.accounts.models import User
    from healthpov.places.models import Place

    use(database)
    result = {}
    for label, username, level, name in (
        ("city 三明市", "bench_city", Place.Level.CITY, "三明市"),
        ("province 福建省", "bench_province", Place.Level.PROVINCE, "福建省"),
    ):
        client = Client()
        client.force_login(User.objects.get(username=username))
        place = Place.objects.get(level=level, name=name)
        url = reverse("coverage:place", kwargs={"pk": place.pk})
        first = client.get(url, {"year": YEAR})
        assert first.status_code == 200, (url, first.status_code)
        pid = query_one("SELECT pg_backend_pid()")
        times, cpu = [], []
        for _ in range(requests):
            started, cpu_started = time.perf_counter(), time.process_time() + _cpu_of(pid)
            response = client.get(url, {"year": YEAR})
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() + _cpu_of(pid) - cpu_started)
            assert response.status_code == 200
        result[label] = (statistics.median(times), p95(times), statistics.mean(cpu))
    return result


# ----------------------------------------------------------------------------- (a)


class Pages:
    """bench/load.py's pages (kind → (user, path)) of one database, asked with the test client."""

    def __init__(self, database: str) -> None:
        from django.test import Client

        from bench.load import COUNTY_USER, TOWNSHIP_USER, request_paths
        from healthpov.accounts.models import User

        use(database)
        self.database = database
        self.paths = request_paths()
        self.clients = []
        for username in (TOWNSHIP_USER, COUNTY_USER):
            client = Client()
            client.force_login(User.objects.get(username=username))
            self.clients.append(client)
        self.wall: dict[str, list[float]] = defaultdict(list)
        self.cpu: dict[str, list[float]] = defaultdict(list)

    def get(self, user: int, path: str):
        response = self.clients[user].get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answers {response.status_code} in {self.database}")
        return response

    def round(self, number: int, details: int) -> None:
        """Every list, search and dashboard page once and ``details`` detail pages (the next
        ones of the sample), each timed; the first request after connecting is not."""
        use(self.database)
        self.get(*self.paths["list"][0])
        pid = query_one("SELECT pg_backend_pid()")
        for kind, entries in self.paths.items():
            if kind == "detail":
                start = number * details % len(entries)
                entries = (entries * 2)[start : start + details]
            for user, path in entries:
                started, cpu = time.perf_counter(), time.process_time() + _cpu_of(pid)
                self.get(user, path)
                self.wall[kind].append(time.perf_counter() - started)
                self.cpu[kind].append(time.process_time() + _cpu_of(pid) - cpu)


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def time_pages(databases: list[str], rounds: int, details: int) -> dict[str, Pages]:
    pages = {database: Pages(database) for database in databases}
    for database in databases:  # warm: every page once, untimed
        pages[database].round(0, details)
        pages[database].wall.clear()
        pages[database].cpu.clear()
    for number in range(rounds):
        order = databases if number % 2 == 0 else databases[::-1]
        for database in order:
            pages[database].round(number + 1, details)
    return pages


def _plan_nodes(node: dict, found: list[dict]) -> None:
    found.append(node)
    for child in node.get("Plans", []):
        _plan_nodes(child, found)


def explain_pages(database: str) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT of one page of each shape; a line a query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pages = Pages(database)
    big = {
        name
        for name, rows in _rows_per_table()
        if rows > BIG_TABLE_ROWS  # estimates, after ANALYZE
    }
    lines, seq_big = [], 0
    seen: set[str] = set()
    for kind, entries in pages.paths.items():
        for user, path in entries:
            shape = re.sub(r"\d+", "N", path)
            if shape in seen:
                continue
            seen.add(shape)
            use(database)
            with CaptureQueriesContext(connection) as captured:
                pages.get(user, path)
            queries = [q["sql"] for q in captured.captured_queries]
            selects = [sql for sql in queries if sql.lstrip().startswith("SELECT")]
            lines.append(f"{kind} {path}: {len(captured.captured_queries)} queries")
            for n, sql in enumerate(selects, 1):
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
                    plan = cursor.fetchone()[0]
                if isinstance(plan, str):
                    plan = json.loads(plan)
                top = plan[0]["Plan"]
                nodes: list[dict] = []
                _plan_nodes(top, nodes)
                scans = sorted(
                    {
                        f"{node['Node Type']} {node.get('Relation Name', '')}".strip()
                        for node in nodes
                        if "Relation Name" in node
                    }
                )
                seqs = [
                    node["Relation Name"]
                    for node in nodes
                    if node["Node Type"] == "Seq Scan" and node["Relation Name"] in big
                ]
                seq_big += len(seqs)
                hit = top.get("Shared Hit Blocks", 0)
                read = top.get("Shared Read Blocks", 0)
                lines.append(
                    f"  q{n:<2} {plan[0].get('Execution Time', 0):7.2f} ms  buffers {hit}+{read}"
                    f"  {top['Node Type']}: {', '.join(scans) or '-'}"
                    + (f"  SEQ SCAN OF BIG TABLE {', '.join(seqs)}" if seqs else "")
                    + f"  | {' '.join(sql.split())[:110]}"
                )
    lines.append(f"sequential scans of tables over {BIG_TABLE_ROWS:,} rows: {seq_big}")
    return lines


def _rows_per_table() -> list[tuple[str, int]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class "
            "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
        )
        return cursor.fetchall()


# ----------------------------------------------------------------------------- (b)


def roster_file(rows: int, database: str) -> Path:
    """导入县's roster of ``rows`` persons (IDs clear of the demo county's 350429 ones)."""
    from bench.import_roster import generate
    from households.models import Person

    path = WORK / f"roster-{IMPORT_COUNTY}-{rows}.xlsx"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    use(database)
    exclude = set(
        Person.objects.filter(id_number__startswith="350429").values_list("id_number", flat=True)
    )
    places = [
        (f"导入{t + 1}镇", f"导入{t + 1}镇{v + 1}村")
        for t in range(IMPORT_TOWNSHIPS)
        for v in range(IMPORT_VILLAGES)
    ]
    generate(path, rows, places=places, seed=rows + 15, household_prefix="DR", exclude=exclude)
    return path


def _broker_clear(url: str) -> None:
    """Empties the benchmark's own Redis database (the recompute jobs the imports queued: no
    worker listens there). Refuses one that holds anything before the first import."""
    import redis

    redis.Redis.from_url(url).flushdb()


def broker_ready(url: str) -> bool:
    import redis

    try:
        return redis.Redis.from_url(url).dbsize() == 0
    except redis.RedisError:
        return False


def time_import(database: str, path: Path, broker: str) -> tuple[float, float, float, str]:
    """Into a copy of ``database`` (dropped afterwards), so that a kept database stays as it was
    built and a run with --reuse imports into the same state."""
    from django.db import connections

    copy = f"{database}_import"
    connections.close_all()
    psql(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{copy}" TEMPLATE "{database}" STRATEGY FILE_COPY')
    settle(copy)
    try:
        return _import(copy, path, broker)
    finally:
        if broker:
            _broker_clear(broker)
        connections.close_all()
        psql(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


class BackendMeter(threading.Thread):
    """CPU seconds of the PostgreSQL backends connected to ``database`` while it runs (sampled
    every 0.2 s, so a backend that has ended still counts with its last sample)."""

    def __init__(self, database: str) -> None:
        super().__init__(daemon=True)
        import psutil

        self.psutil, self.database = psutil, database
        self.seen: dict[int, tuple[float, float]] = {}
        self.stopping = threading.Event()

    def sample(self) -> None:
        for process in self.psutil.process_iter(["cmdline"]):
            title = " ".join(process.info["cmdline"] or [])
            if f" {self.database} " not in f"{title} ":
                continue
            try:
                times = process.cpu_times()
            except self.psutil.Error:
                continue
            used = times.user + times.system
            first = self.seen.get(process.pid, (used, used))[0]
            self.seen[process.pid] = (first, used)

    def run(self) -> None:
        while not self.stopping.is_set():
            self.sample()
            self.stopping.wait(0.2)

    def finish(self) -> float:
        self.stopping.set()
        self.join()
        # A backend seen first mid-way had used CPU before: count all of it (they are new).
        return sum(last for _first, last in self.seen.values())


def _import(database: str, path: Path, broker: str) -> tuple[float, float, float, str]:
    meter = BackendMeter(database)
    meter.start()
    started = time.perf_counter()
    out, cpu = manage(
        database,
        "import_roster",
        str(path),
        "--year",
        str(YEAR),
        "--county",
        IMPORT_COUNTY,
        "--create-places",
        REDIS_URL=broker,
    )
    seconds = time.perf_counter() - started
    backend = meter.finish()
    return seconds, cpu, backend, out.strip().splitlines()[-1]


# ----------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--persons-per-county", type=int, default=60_000)
    parser.add_argument("--small-counties", type=int, default=10)
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=20, help="timed rounds of pages per size")
    parser.add_argument("--details", type=int, default=10, help="detail pages per round")
    parser.add_argument("--recompute-runs", type=int, default=2)
    parser.add_argument("--dashboard-requests", type=int, default=100)
    parser.add_argument("--prefix", default="hp_province")
    parser.add_argument(
        "--broker",
        default="redis://127.0.0.1:6379/14",
        help="an empty Redis database the imports queue their recompute in, as in production "
        "(emptied afterwards); '' to run the recompute inside the import",
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse kept databases as they are")
    parser.add_argument(
        "--figures", default="abcd", help="which figures to measure (default: abcd, all four)"
    )
    parser.add_argument(
        "--no-parallel",
        action="store_true",
        help="turn parallel query off in the databases (max_parallel_workers_per_gather = 0)",
    )
    parser.add_argument(
        "--build-only", action="store_true", help="build (and keep) the databases, measure nothing"
    )
    parser.add_argument(
        "--slow-load", action="store_true", help="load with indexes and triggers in place"
    )
    args = parser.parse_args()
    if not 1 <= args.small_counties <= args.counties:
        parser.error("need 1 <= --small-counties <= --counties")
    names = {
        "empty": f"{args.prefix}_empty",
        "one": f"{args.prefix}_60k",
        "small": f"{args.prefix}_600k",
        "large": f"{args.prefix}_6m",
    }
    os.environ.update({k: v for k, v in env_for(names["empty"]).items() if k != "PATH"})
    import django

    django.setup()
    from django.db import connections

    started = time.perf_counter()
    per = args.persons_per_county
    log(f"province benchmark: {vars(args)}; {load_average()}")
    log(
        "the machine: 2 cores, 23 GB RAM, shared with other sessions running tests; "
        "PostgreSQL 15 with its default 128 MB shared_buffers, no autovacuum"
    )
    try:
        reuse = args.reuse and all(exists(name) for name in names.values())
        if not reuse:
            step = time.perf_counter()
            build_empty(names["empty"])
            log(f"{names['empty']}: migrated, places ({time.perf_counter() - step:.0f} s)")
            step = time.perf_counter()
            copy_database(names["empty"], names["one"])
            build_first_county(names["one"], per)
            settle(names["one"])
            log(
                f"{names['one']}: {persons(names['one']):,} persons in 1 county "
                f"({time.perf_counter() - step:.0f} s)"
            )
            step = time.perf_counter()
            copy_database(names["one"], names["small"])
            use(names["small"])
            add_counties(1, args.small_counties - 1, per, fast=False)
            settle(names["small"])
            log(
                f"{names['small']}: {persons(names['small']):,} persons in "
                f"{args.small_counties} counties ({time.perf_counter() - step:.0f} s)"
            )
            step = time.perf_counter()
            copy_database(names["small"], names["large"])
            use(names["large"])
            seconds = add_counties(
                args.small_counties, args.counties - args.small_counties, per, not args.slow_load
            )
            log(f"  loaded in {seconds:.0f} s")
            settle(names["large"])
            log(
                f"{names['large']}: {persons(names['large']):,} persons in {args.counties} "
                f"counties ({time.perf_counter() - step:.0f} s with VACUUM ANALYZE)"
            )
        else:
            for name in names.values():
                manage(name, "migrate", "-v0")  # the code may have moved on since it was kept
        counts = {key: persons(name) for key, name in names.items()}
        sizes = {
            key: int(query(f"SELECT pg_database_size('{name}')")) for key, name in names.items()
        }
        log("")
        log("database sizes (pg_database_size):")
        for key, name in names.items():
            log(f"  {name:<24} {counts[key]:>10,} persons {sizes[key] / 2**20:>9,.0f} MB")
        if counts["large"] > counts["small"]:
            per_million = (sizes["large"] - sizes["small"]) / (counts["large"] - counts["small"])
            log(f"  per million persons (large - 600k): {per_million * 1e6 / 2**30:.2f} GB")

        if args.build_only:
            args.keep = True
            return 0

        for name in names.values():
            setting = (
                "SET max_parallel_workers_per_gather = 0"
                if args.no_parallel
                else "RESET max_parallel_workers_per_gather"
            )
            psql(f'ALTER DATABASE "{name}" {setting}')
        if args.no_parallel:
            log("parallel query off in every database (max_parallel_workers_per_gather = 0)")

        # (c) recompute, before the pages: it writes the snapshots they read.
        if "c" in args.figures:
            figure_c(args, names, counts)
        if "d" in args.figures:
            figure_d(args, names, counts)
        if "a" in args.figures:
            figure_a(args, names, counts)
        if "b" in args.figures:
            figure_b(args, names, counts)
        log("")
        log(TARGETS)
        log(f"took {time.perf_counter() - started:.0f} s; {load_average()}")
        return 0
    finally:
        connections.close_all()
        if not args.keep:
            for name in names.values():
                psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def figure_c(args: argparse.Namespace, names: dict[str, str], counts: dict[str, int]) -> None:
    log("")
    log(f"(c) full recompute of every place ({args.recompute_runs} runs, median):")
    recompute = {}
    for key in ("small", "large"):
        log(f"  {names[key]} ({counts[key]:,} persons):")
        recompute[key] = time_recompute(names[key], args.recompute_runs)
        around = time_recompute_around(names[key], args.recompute_runs)
        log(f"    after one county's import (the county, its city, the province): {around:.1f} s")
    ratio_c = recompute["large"] / recompute["small"]
    log(
        f"(c) recompute {counts['small']:,}: {recompute['small']:.1f} s; "
        f"{counts['large']:,}: {recompute['large']:.1f} s; ratio {ratio_c:.1f} "
        f"for {counts['large'] / counts['small']:.0f}x the persons"
    )
    # The 60k database has its snapshots from its settle; recompute them as of AS_OF too.
    use(names["one"])
    from coverage.services import recompute_coverage

    recompute_coverage(year=YEAR, as_of=AS_OF)


def figure_d(args: argparse.Namespace, names: dict[str, str], counts: dict[str, int]) -> None:
    log("")
    dashboards = time_dashboards(names["large"], args.dashboard_requests)
    for label, (p50, p95_, cpu) in dashboards.items():
        log(
            f"(d) {label} dashboard from snapshots, {counts['large']:,} persons, "
            f"{args.dashboard_requests} requests: p50 {p50 * 1000:.1f} ms, "
            f"p95 {p95_ * 1000:.1f} ms; CPU {cpu * 1000:.1f} ms a request; {load_average()}"
        )


def figure_a(args: argparse.Namespace, names: dict[str, str], counts: dict[str, int]) -> None:
    log("")
    log(f"(a) township pages, {args.rounds} rounds alternating; {load_average()}")
    order = [names["one"], names["small"], names["large"]]
    pages = time_pages(order, args.rounds, args.details)
    log(
        f"  {'kind':<10}{'database':<22}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'CPU ms':>9}{'p95 ratio':>11}"
    )
    ratios = {}
    for kind in pages[names["one"]].wall:
        base = p95(pages[names["one"]].wall[kind])
        for name in order:
            wall, cpu = pages[name].wall[kind], pages[name].cpu[kind]
            ratio = p95(wall) / base
            if name == names["large"]:
                ratios[kind] = ratio
            log(
                f"  {kind:<10}{name:<22}{len(wall):>5}{statistics.median(wall) * 1000:>9.1f}"
                f"{p95(wall) * 1000:>9.1f}{statistics.mean(cpu) * 1000:>9.1f}{ratio:>11.2f}"
            )
    log(f"  (CPU: this process and its PostgreSQL backend; {load_average()})")
    log(
        f"(a) p95 ratio {counts['large']:,} / {counts['one']:,} persons: "
        + ", ".join(f"{kind} {ratio:.2f}" for kind, ratio in ratios.items())
    )
    log("")
    log(f"(a) EXPLAIN (ANALYZE, BUFFERS) of each page's SELECTs in {names['large']}:")
    for line in explain_pages(names["large"]):
        log("  " + line)


def figure_b(args: argparse.Namespace, names: dict[str, str], counts: dict[str, int]) -> None:
    """Into copies of the empty and the large database."""
    log("")
    path = roster_file(args.import_rows, names["one"])
    broker = args.broker if args.broker and broker_ready(args.broker) else ""
    log(
        f"(b) the recompute an import queues goes to {broker} (no worker there; emptied)"
        if broker
        else "(b) no empty Redis database for the broker: the recompute the import queues "
        "runs inside the import (as without Redis) and is timed with it"
    )
    empty = time_import(names["empty"], path, broker)
    large = time_import(names["large"], path, broker)
    for label, (seconds, cpu, backend, summary) in (
        (f"empty database ({names['empty']})", empty),
        (f"{counts['large']:,} persons ({names['large']})", large),
    ):
        log(
            f"(b) import of {args.import_rows:,} rows into {label}: {seconds:.1f} s; CPU "
            f"manage.py {cpu:.1f} s + PostgreSQL {backend:.1f} s; {load_average()}"
        )
        log(f"      {summary}")
    log(
        f"(b) ratio {large[0] / empty[0]:.2f} wall, "
        f"{(large[1] + large[2]) / (empty[1] + empty[2]):.2f} CPU (manage.py and PostgreSQL)"
    )


if __name__ == "__main__":
    sys.exit(main())

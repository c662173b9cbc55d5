"""Benchmark of roster imports on 100,000 persons.

    python bench/import_roster.py [--rows 100000] [--database sqlite|postgres|both] [--skip-b]

Generates a roster .xlsx (one title row, the usual Chinese headers) and measures, each step in
its own process so its peak RSS is its own:

  (a) python-calamine parsing the file alone;
  (b) a django-import-export ``ModelResource`` import of the same file with library defaults
      (households created beforehand, untimed, because a Person needs its household);
  (c) ``import_roster`` into an empty registry;
  (d) the same ``import_roster`` again (nothing changes);
  (d2) the same rows in a re-zipped copy of the file (other bytes, another SHA-256).

Nothing short-circuits a file already imported: (d) and (d2) both read, validate and compare
every row, and the step fails unless every person comes out unchanged. (d2) shows it: a file
that differs only in its bytes takes the same time.

Prints seconds, rows/s, peak RSS and the ratios c/a and b/c per database. Targets: (c) ≤ 6 s,
b/c ≥ 15, peak RSS ≤ 250 MB, (d) ≤ 3 s. PostgreSQL: ``BENCH_POSTGRES_URL`` (default
``postgres://postgres@127.0.0.1:5432/bench_roster``; the database is dropped and re-created).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/healthpov-bench"))
HEADER = [
    "序号", "乡(镇)", "行政村", "户编号", "姓名", "与户主关系", "身份证号码", "性别", "出生日期",
    "联系电话", "脱贫状态", "主要致贫原因", "健康状况", "人员状态", "是否参加城乡居民基本医疗保险",
    "识别年度",
]  # fmt: skip
CAUSES = ["因病", "因病", "因残", "缺劳力", "因学"]
BUILD_PLACES = "from healthpov.places.demo import build_places; build_places()"
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/bench_roster"
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(
    path: Path,
    rows: int,
    *,
    places: list[tuple[str, str]] | None = None,
    seed: int = 100_000,
    household_prefix: str = "H",
    exclude: frozenset[str] | set[str] = frozenset(),
    phone_prefix: str = "138",
) -> None:
    """A roster of ``rows`` persons in households of 1-5 spread over ``places`` (township,
    village names; default every village of the demo county), with valid resident IDs not in
    ``exclude``. Needs Django set up (settings only; no query is made)."""
    from openpyxl import Workbook

    from households.idnumber import make_resident_id

    if places is None:
        from healthpov.places.demo import TOWNSHIPS

        places = [(t, v) for t, villages in TOWNSHIPS.items() for v in villages]
    rng = random.Random(seed)
    relations = ["之子", "之女", "配偶", "之母", "之孙子"]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(["泰宁县建档立卡贫困人口花名册"])
    sheet.append(HEADER)
    used: set[str] = set(exclude)
    household = 0
    members_left = 0
    for n in range(rows):
        if members_left == 0:
            household += 1
            members_left = rng.randint(1, 5)
            township, village = places[household % len(places)]
            relation = "户主"
        else:
            relation = rng.choice(relations)
        members_left -= 1
        while True:
            birth = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randrange(30_000))
            number = make_resident_id("350429", birth, rng.randrange(1000))
            if number not in used:
                used.add(number)
                break
        sheet.append([
            n + 1, township, village, f"{household_prefix}{household:07d}", f"居民{n}", relation,
            number, "男" if int(number[16]) % 2 else "女", birth, f"{phone_prefix}{n:08d}",
            "已脱贫" if household % 40 else "未脱贫", rng.choice(CAUSES),
            rng.choice(["健康", "健康", "长期慢性病", "残疾"]), "正常", "是", 2016,
        ])  # fmt: skip
    workbook.save(path)


# ----------------------------------------------------------------- child steps


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthpov.settings.local")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DEBUG", "false")  # as in production: no query log kept in memory
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def step_a(path: Path) -> int:
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = workbook.get_sheet_by_index(0).to_python()
    return len(rows) - 2


def step_b(path: Path) -> int:
    import tablib
    from import_export import fields, resources, widgets

    from households.models import Household, Person

    class PersonResource(resources.ModelResource):
        id_number = fields.Field(attribute="id_number", column_name="身份证号码")
        name = fields.Field(attribute="name", column_name="姓名")
        sex = fields.Field(attribute="sex", column_name="性别")
        birth_date = fields.Field(
            attribute="birth_date", column_name="出生日期", widget=widgets.DateWidget()
        )
        relation = fields.Field(attribute="relation", column_name="与户主关系")
        phone = fields.Field(attribute="phone", column_name="联系电话")
        household = fields.Field(
            attribute="household",
            column_name="户编号",
            widget=widgets.ForeignKeyWidget(Household, "number"),
        )

        class Meta:
            model = Person
            import_id_fields = ["id_number"]
            fields = ("id_number", "name", "sex", "birth_date", "relation", "phone", "household")

    with path.open("rb") as handle:
        dataset = tablib.Dataset().load(handle.read(), format="xlsx", skip_lines=1)
    result = PersonResource().import_data(dataset, dry_run=False, raise_errors=True)
    return (
        result.totals.get("new", 0) + result.totals.get("update", 0) + result.totals.get("skip", 0)
    )


def prepare_b(path: Path) -> None:
    """Households for step (b), created untimed (import-export resolves them by number)."""
    import python_calamine

    from healthpov.places.models import Place
    from households.models import Household

    rows = (
        python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[2:]
    )
    villages = {
        (v.parent.name, v.name): v
        for v in Place.objects.filter(level="village").select_related("parent")
    }
    seen: dict[str, Household] = {}
    for row in rows:
        if row[3] not in seen:
            village = villages[(row[1], row[2])]
            seen[row[3]] = Household(number=row[3], township=village.parent, village=village)
    Household.objects.bulk_create(list(seen.values()), batch_size=2000)


def step_import(path: Path, *, unchanged: bool = False) -> int:
    from households.imports import ImportContext
    from households.ledgers import RosterLedger
    from households.services import import_file

    context = ImportContext(user=None, options={"year": 2018})
    result = import_file(kind=RosterLedger.kind, path=path, context=context, actor=None)
    if not result.ok:
        raise SystemExit("\n".join(result.error_lines()[:20]))
    if unchanged and result.counts["persons_unchanged"] != result.rows_total:
        raise SystemExit(f"the re-import changed something: {result.counts}")
    return result.rows_total


def resave(path: Path, copy: Path) -> None:
    """The same sheets in a new zip (other compression and timestamps): other bytes."""
    import zipfile

    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            target.writestr(
                zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0)),
                source.read(info.filename),
                compress_type=zipfile.ZIP_DEFLATED,
            )


def child(step: str, path: Path, database_url: str) -> None:
    if step != "a":
        setup_django(database_url)
    if step == "prepare_b":
        prepare_b(path)
        print(json.dumps({}))
        return
    started = time.perf_counter()
    cpu_started = time.process_time()
    steps = {
        "a": step_a,
        "b": step_b,
        "c": step_import,
        "d": lambda path: step_import(path, unchanged=True),
    }
    rows = steps[step](path)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(json.dumps({"rows": rows, "seconds": seconds, "cpu": cpu, "rss_mb": peak_rss_mb()}))


# -------------------------------------------------------------------- parent


def run_child(step: str, path: Path, database_url: str) -> dict:
    load = os.getloadavg()[0]
    output = subprocess.run(
        [sys.executable, __file__, "--child", step, "--file", str(path), "--url", database_url],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    return {**json.loads(output.stdout.strip().splitlines()[-1]), "load": load}


def fresh_database(kind: str) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "healthpov.settings.local",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
    }
    if kind == "sqlite":
        db = WORK / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db}"
    else:
        url = POSTGRES_URL
        base, name = url.rsplit("/", 1)
        import psycopg2

        connection = psycopg2.connect(f"{base}/postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
            cursor.execute(f"CREATE DATABASE {name}")
        connection.close()
    env["DATABASE_URL"] = url
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, cwd=ROOT, env=env)
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", BUILD_PLACES],
        check=True, cwd=ROOT, env=env, capture_output=True,
    )  # fmt: skip
    return url


def line(label: str, result: dict) -> str:
    rate = result["rows"] / result["seconds"] if result["seconds"] else 0
    return (
        f"  {label:<34} {result['seconds']:8.2f} s {rate:10,.0f} rows/s"
        f"   peak RSS {result['rss_mb']:6.0f} MB"
        f"   (CPU of this process {result['cpu']:.2f} s; load average {result['load']:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--skip-b", action="store_true", help="Skip the slow django-import-export step."
    )
    parser.add_argument("--child")
    parser.add_argument("--file", type=Path)
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.file, args.url)
        return
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"roster-{args.rows}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        setup_django(f"sqlite:///{WORK / 'unused.sqlite3'}")  # settings only; no query is made
        generate(path, args.rows)
        print(
            f"generated {path} ({path.stat().st_size / 1e6:.1f} MB)"
            f" in {time.perf_counter() - started:.1f} s"
        )
    resaved = WORK / f"roster-{args.rows}-resaved.xlsx"
    if not resaved.exists():
        resave(path, resaved)
    a = run_child("a", path, "")
    print(f"{args.rows:,} rows; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(line("(a) python-calamine parse", a))
    for kind in ["sqlite", "postgres"] if args.database == "both" else [args.database]:
        print(f"{kind}:")
        b = None
        if not args.skip_b:
            url = fresh_database(kind)
            run_child("prepare_b", path, url)
            b = run_child("b", path, url)
            print(line("(b) django-import-export defaults", b))
        url = fresh_database(kind)
        c = run_child("c", path, url)
        print(line("(c) import_roster", c))
        d = run_child("d", path, url)
        print(line("(d) unchanged re-import", d))
        d2 = run_child("d", resaved, url)
        print(line("(d2) unchanged, re-zipped copy", d2))
        ratios = (
            f"  c/a = {c['seconds'] / a['seconds']:.1f} (CPU {c['cpu'] / a['cpu']:.1f})"
            f"   d/a = {d['seconds'] / a['seconds']:.1f} (CPU {d['cpu'] / a['cpu']:.1f})"
        )
        if b:
            ratios += f"   b/c = {b['seconds'] / c['seconds']:.1f} (CPU {b['cpu'] / c['cpu']:.1f})"
        print(ratios)


if __name__ == "__main__":
    main()

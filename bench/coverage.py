"""Benchmark of the coverage app on PostgreSQL.

    /work/main/.venv/bin/python bench/coverage.py [--persons 1000000] [--small 100000]
        [--requests 200] [--skip-demo] [--keep]

1. Creates a database of its own (``healthpov_bench_coverage``; ``BENCH_DATABASE_URL`` or the
   local server), migrates it and bulk-loads (COPY) ``--small`` persons with contracts,
   unsigned records, chronic registrations, follow-ups, brochures, health checks,
   special-disease diagnoses and booklets, major-illness cases and inpatient stays in realistic
   proportions; times a full recompute (``recompute_coverage``: every village, township and
   the county, snapshots written).
2. Loads the rest up to ``--persons`` and times the recompute again; prints the ratio.
3. Times the county dashboard page (from snapshots) over ``--requests`` requests with the
   Django test client; prints p50/p95.
4. Unless ``--skip-demo``: a second database with ``seed_demo`` (the 5k demo county), and the
   time of its recompute.

Targets: 1M ≤ 15 s; 1M / 100k ≤ 12; demo ≤ 0.5 s; dashboard p95 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
YEAR = 2018
AS_OF = datetime.date(2018, 6, 4)
VILLAGES_PER_TOWNSHIP = 25
PERSONS_PER_VILLAGE = 2000
PERSONS_PER_HOUSEHOLD = 3


def psql(sql: str, database: str = "postgres") -> None:
    subprocess.run(
        ["psql", f"{SERVER}/{database}", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def fresh_database(name: str) -> None:
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')


def setup_django(database: str) -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthpov.settings.test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


# ---------------------------------------------------------------------------------------
# COPY loader.
# ---------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def copy_rows(model, columns: list[str], rows, chunk: int = 200_000) -> int:
    """COPY ``rows`` (tuples in ``columns`` order) into ``model``'s table; other NOT NULL
    columns get their field default (blank text, now() for timestamps)."""
    from django.db import connection
    from django.db.models import CharField, FileField, TextField
    from django.utils import timezone

    now = timezone.now()
    extra_columns, extra_values = [], []
    for field in model._meta.concrete_fields:
        if field.column in columns or field.attname in columns or field.null:
            continue
        if field.primary_key:
            continue
        if field.has_default():
            value = field.get_default()
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif isinstance(field, CharField | TextField | FileField):
            value = ""
        else:
            raise ValueError(f"{model.__name__}.{field.name} needs a value")
        extra_columns.append(field.column)
        extra_values.append(_text(value))
    tail = ("\t" + "\t".join(extra_values)) if extra_values else ""
    sql = f"COPY {model._meta.db_table} ({', '.join([*columns, *extra_columns])}) FROM STDIN"
    written = 0
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        for row in rows:
            buffer.write("\t".join(_text(v) for v in row) + tail + "\n")
            written += 1
            if written % chunk == 0:
                buffer.seek(0)
                cursor.cursor.copy_expert(sql, buffer)
                buffer = io.StringIO()
        buffer.seek(0)
        cursor.cursor.copy_expert(sql, buffer)
    return written


def _new_villages(persons: int, township_offset: int) -> list[tuple[int, int]]:
    """New townships of 基准县 with ``VILLAGES_PER_TOWNSHIP`` villages each, enough for
    ``persons`` at ``PERSONS_PER_VILLAGE``."""
    from healthpov.places.models import Place

    county = Place.objects.get(level="county", name="基准县")
    per_township = VILLAGES_PER_TOWNSHIP * PERSONS_PER_VILLAGE
    villages: list[tuple[int, int]] = []
    for t in range(-(-persons // per_township)):
        township = Place.objects.create(
            name=f"第{township_offset + t + 1}镇", level="township", parent=county
        )
        for v in range(VILLAGES_PER_TOWNSHIP):
            village = Place.objects.create(
                name=f"第{township_offset + t + 1}镇{v + 1}村", level="village", parent=township
            )
            villages.append((township.pk, village.pk))
    return villages


def load(
    first_person: int,
    persons: int,
    township_offset: int,
    *,
    villages: list[tuple[int, int]] | None = None,
    identity: Callable[[int, datetime.date], tuple[str, str, str]] | None = None,
) -> dict[str, int]:
    """Persons ``first_person`` .. ``first_person + persons - 1`` and all their records.

    By default new townships of 基准县 are created for them (``PERSONS_PER_VILLAGE`` per
    village) and they are named 居民 with placeholder IDs. ``villages`` (township id, village id)
    puts their households round-robin into existing villages instead (no place is created and
    no county is needed); ``identity(person id, birth date)`` gives (resident ID, name, sex).
    """
    from django.db import connection, transaction

    from households.models import Household, Person, RosterEntry
    from signing.models import (
        Booklet,
        ChronicRegistration,
        Contract,
        Disease,
        FulfilmentRecord,
        HealthCheck,
        SpecialDiseaseDiagnosis,
        UnsignedRecord,
    )
    from treatment.models import InpatientStay, MajorIllnessCase

    given_villages = villages is not None
    if villages is None:
        villages = _new_villages(persons, township_offset)

    hypertension = Disease.objects.get(year=YEAR, name="高血压")
    diabetes = Disease.objects.get(year=YEAR, name="2型糖尿病")
    copd = Disease.objects.get(year=YEAR, name="慢性阻塞性肺疾病")
    esrd = Disease.objects.get(year=YEAR, name="终末期肾病")

    rng = random.Random(first_person)
    ids = range(first_person, first_person + persons)
    first_household = (
        Household.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ) + 1
    households = range(first_household, first_household + -(-persons // PERSONS_PER_HOUSEHOLD))

    def village_of_household(h: int) -> tuple[int, int]:
        if given_villages:
            return villages[(h - first_household) % len(villages)]
        index = (h - first_household) * PERSONS_PER_HOUSEHOLD // PERSONS_PER_VILLAGE
        return villages[min(index, len(villages) - 1)]

    def person(i: int, birth: datetime.date) -> tuple[str, str, str]:
        if identity is not None:
            return identity(i, birth)
        return f"B{i:017d}", "居民", "M" if i % 2 else "F"

    def day(start: datetime.date, span: int) -> datetime.date:
        return start + datetime.timedelta(days=rng.randrange(span))

    counts = {}
    started = time.monotonic()
    with transaction.atomic():
        counts["households"] = copy_rows(
            Household,
            [
                "id",
                "number",
                "township_id",
                "village_id",
                "head_name",
                "poverty_status",
                "main_cause",
            ],
            (
                (
                    h,
                    f"BH{h:012d}",
                    *village_of_household(h),
                    "户主",
                    "not_out" if rng.random() < 0.024 else "out",
                    "illness" if rng.random() < 0.42 else "labour",
                )
                for h in households
            ),
        )
        births = [
            datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randrange(30_000)) for _ in ids
        ]
        counts["persons"] = copy_rows(
            Person,
            ["id", "id_number", "name", "sex", "birth_date", "household_id", "relation", "status"],
            (
                (
                    i,
                    *person(i, births[i - first_person]),
                    births[i - first_person],
                    first_household + (i - first_person) // PERSONS_PER_HOUSEHOLD,
                    "head",
                    "normal",
                )
                for i in ids
            ),
        )
        counts["roster"] = copy_rows(RosterEntry, ["person_id", "year"], ((i, YEAR) for i in ids))
        # 98% signed (42% of those electronically); the rest have a reason recorded.
        signed = [i for i in ids if rng.random() < 0.98]
        signed_set = set(signed)
        counts["contracts"] = copy_rows(
            Contract,
            ["person_id", "year", "signed_on", "valid_until", "method"],
            (
                (
                    i,
                    YEAR,
                    day(datetime.date(2018, 1, 2), 200),
                    datetime.date(2018, 12, 31),
                    "electronic" if rng.random() < 0.42 else "paper",
                )
                for i in signed
            ),
        )
        reasons = ["away", "died", "moved", "missing", "married", "refused"]
        counts["unsigned"] = copy_rows(
            UnsignedRecord,
            ["person_id", "year", "reason", "recorded_on"],
            (
                (i, YEAR, reasons[i % 6], datetime.date(2018, 3, 1))
                for i in ids
                if i not in signed_set and i % 7
            ),
        )
        chronic = [i for i in ids if rng.random() < 0.15]
        counts["chronic"] = copy_rows(
            ChronicRegistration,
            ["person_id", "disease_id", "diagnosed_on"],
            (
                (
                    i,
                    hypertension.pk if i % 10 < 7 else diabetes.pk,
                    day(datetime.date(2010, 1, 1), 3000),
                )
                for i in chronic
            ),
        )
        followups = [(i, datetime.date(2018, 2, 15)) for i in chronic if rng.random() < 0.85]
        followups += [(i, datetime.date(2018, 5, 10)) for i in chronic if rng.random() < 0.5]
        counts["follow_ups"] = copy_rows(
            FulfilmentRecord,
            ["person_id", "kind", "served_on"],
            ((i, "follow_up", d) for i, d in followups),
        )
        counts["brochures"] = copy_rows(
            FulfilmentRecord,
            ["person_id", "kind", "served_on"],
            (
                (
                    first_person + (h - first_household) * PERSONS_PER_HOUSEHOLD,
                    "brochure",
                    day(datetime.date(2018, 2, 1), 120),
                )
                for h in households
                if rng.random() < 0.45
            ),
        )
        counts["health_checks"] = copy_rows(
            HealthCheck,
            ["person_id", "checked_on", "fed_back"],
            ((i, day(datetime.date(2018, 3, 1), 90), True) for i in ids if rng.random() < 0.35),
        )
        special = [i for i in ids if rng.random() < 0.18]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('signing_specialdiseasediagnosis', 'id'))"
            )
            first_diagnosis = cursor.fetchone()[0]
        counts["diagnoses"] = copy_rows(
            SpecialDiseaseDiagnosis,
            ["id", "person_id", "disease_id", "diagnosed_on"],
            (
                (first_diagnosis + n, i, copd.pk, day(datetime.date(2012, 1, 1), 2000))
                for n, i in enumerate(special)
            ),
        )
        counts["booklets"] = copy_rows(
            Booklet,
            ["diagnosis_id", "status", "number", "issued_on", "expires_on"],
            (
                (
                    first_diagnosis + n,
                    "issued",
                    f"BK{first_diagnosis + n}",
                    datetime.date(2017, 5, 1),
                    datetime.date(2019, 4, 30) if n % 20 else datetime.date(2018, 1, 31),
                )
                for n in range(len(special))
                if rng.random() < 0.78
            ),
        )
        statuses = ["treated"] * 90 + ["refused"] * 5 + ["screened"] * 3 + ["died"] * 2
        counts["cases"] = copy_rows(
            MajorIllnessCase,
            ["person_id", "disease_id", "year", "screening_date", "status", "treatment_date"],
            (
                (
                    i,
                    esrd.pk,
                    YEAR,
                    datetime.date(2018, 2, 1),
                    s,
                    datetime.date(2018, 3, 1) if s in ("treated", "died") else None,
                )
                for i in ids
                if rng.random() < 0.006
                for s in [rng.choice(statuses)]
            ),
        )
        counts["stays"] = copy_rows(
            InpatientStay,
            [
                "person_id",
                "hospital_name",
                "in_county",
                "referral",
                "admitted_on",
                "discharged_on",
                "total_cost",
                "policy_cost",
                "basic_insurance",
                "critical_insurance",
                "medical_assistance",
                "supplementary_insurance",
                "personal_payment",
                "deposit_taken",
                "one_stop",
            ],
            (
                (
                    i,
                    "县总医院",
                    rng.random() < 0.88,
                    False,
                    datetime.date(2018, 3, 1),
                    datetime.date(2018, 3, 9),
                    "5000.00",
                    "4800.00",
                    "3500.00",
                    "500.00",
                    "400.00",
                    "200.00",
                    "400.00",
                    rng.random() < 0.01,
                    rng.random() < 0.98,
                )
                for i in ids
                if rng.random() < 0.035
            ),
        )
        with connection.cursor() as cursor:
            for table in (
                "households_household",
                "households_person",
                "signing_specialdiseasediagnosis",
            ):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts


def prepare() -> None:
    from healthpov.accounts.models import User
    from healthpov.places.models import Place
    from signing.models import Disease

    province = Place.objects.create(name="基准省", level="province")
    city = Place.objects.create(name="基准市", level="city", parent=province)
    county = Place.objects.create(name="基准县", level="county", parent=city)
    for name, flags in [
        (
            "高血压",
            {"is_key_chronic": True, "is_special_outpatient": True, "chronic_kind": "hypertension"},
        ),
        (
            "2型糖尿病",
            {"is_key_chronic": True, "is_special_outpatient": True, "chronic_kind": "diabetes"},
        ),
        ("慢性阻塞性肺疾病", {"is_special_outpatient": True}),
        ("终末期肾病", {"is_major_illness": True}),
    ]:
        Disease.objects.create(year=YEAR, name=name, **flags)
    User.objects.create(username="bench_county", role=User.Role.COUNTY_BUREAU, place=county)


def _backend_cpu() -> float:
    """CPU seconds the PostgreSQL backend of this connection has used (Linux /proc)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_recompute(runs: int = 3) -> float:
    """Median wall time; also prints the CPU time (this process + its database backend),
    which is what the run costs on an idle machine when the machine is shared.

    Each size starts from the same state. No snapshots: a kept database holds those of
    earlier runs (and, where autovacuum is off, their dead versions), which a fresh one does
    not; every run then writes its snapshots the same way at both sizes (inserted once, then
    upserted). Tables vacuumed and analysed, as autovacuum keeps them in production: on a
    server without autovacuum (this machine's) a bulk-loaded table is never marked
    all-visible, and every index-only scan would read the table's pages as well. Then a
    checkpoint, so that a database just loaded is not still writing its pages out while
    it is timed (the kept one has nothing left to write)."""
    from django.db import connection

    from coverage.services import recompute_coverage

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE coverage_snapshot")
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
    times, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time() + _backend_cpu()
        recompute_coverage(year=YEAR, as_of=AS_OF)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() + _backend_cpu() - cpu_started)
    print(
        f"  wall {[round(t, 2) for t in times]} s, CPU {[round(c, 2) for c in cpu]} s, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    return statistics.median(times)


def time_dashboard(requests: int) -> tuple[float, float]:
    from django.test import Client
    from django.urls import reverse

    from healthpov.accounts.models import User
    from healthpov.places.models import Place

    client = Client()
    client.force_login(User.objects.get(username="bench_county"))
    county = Place.objects.get(level="county", name="基准县")
    url = reverse("coverage:place", kwargs={"pk": county.pk})
    assert client.get(url, {"year": YEAR}).status_code == 200  # warm up
    times, cpu = [], []
    for _ in range(requests):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url, {"year": YEAR})
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        assert response.status_code == 200
    times.sort()
    cpu.sort()
    print(
        f"  dashboard CPU (web process): p50 {cpu[len(cpu) // 2] * 1000:.1f} ms, "
        f"p95 {cpu[int(len(cpu) * 0.95) - 1] * 1000:.1f} ms; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def county_figures() -> dict:
    from coverage.models import Snapshot
    from healthpov.places.models import Place

    county = Place.objects.get(level="county", name="基准县")
    wanted = [
        "roster_persons",
        "signed",
        "e_signing_rate",
        "chronic_patients",
        "followup_compliance",
        "booklet_rate",
        "stays",
    ]
    return {
        s.code: float(s.value) if s.value is not None else None
        for s in Snapshot.objects.filter(place=county, date=AS_OF, code__in=wanted)
    }


def demo_recompute(runs: int = 5) -> float:
    """The 5k demo county in a database of its own (seed_demo, then the recompute)."""
    name = "healthpov_bench_coverage_demo"
    fresh_database(name)
    env = {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{name}",
        "DJANGO_SETTINGS_MODULE": "healthpov.settings.test",
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], check=True, env=env)
    subprocess.run(
        [*manage, "seed_demo", "--year", "2018"], check=True, env=env, stdout=subprocess.DEVNULL
    )
    code = (
        "import time,statistics,datetime;"
        "from coverage.services import recompute_coverage;"
        "t=[];"
        "day=datetime.date(2018,6,4);"
        f"[(s:=time.perf_counter(),recompute_coverage(year=2018,as_of=day),"
        f"t.append(time.perf_counter()-s)) for _ in range({runs})];"
        "print(statistics.median(t))"
    )
    out = subprocess.run(
        [*manage, "shell", "-c", code], check=True, env=env, capture_output=True, text=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def _has_persons(database: str, persons: int) -> bool:
    out = subprocess.run(
        ["psql", f"{SERVER}/{database}", "-Atc", "SELECT count(*) FROM households_person"],
        capture_output=True,
        text=True,
    )
    return out.returncode == 0 and out.stdout.strip() == str(persons)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--keep", action="store_true", help="Keep the databases afterwards.")
    parser.add_argument(
        "--reuse", action="store_true", help="Reuse a kept 1M database instead of loading again."
    )
    args = parser.parse_args()
    # The small and the large run each get a database of their own.
    small_db, database = "healthpov_bench_coverage_small", "healthpov_bench_coverage"
    fresh_database(small_db)
    setup_django(small_db)
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    prepare()
    loaded = load(0, args.small, 0)
    print(f"loaded {args.small:,} persons: {loaded}", flush=True)
    small = time_recompute()
    print(f"recompute at {args.small:,} persons: {small:.2f} s  {county_figures()}", flush=True)

    connections["default"].close()
    connections["default"].settings_dict["NAME"] = database
    from households.models import Person

    if args.reuse and _has_persons(database, args.persons):
        call_command("migrate", verbosity=0)  # apps may have moved on since it was loaded
    else:
        connections["default"].close()
        fresh_database(database)
        call_command("migrate", verbosity=0)
        prepare()
        per_township = VILLAGES_PER_TOWNSHIP * PERSONS_PER_VILLAGE
        loaded = load(0, args.small, 0)
        loaded = load(args.small, args.persons - args.small, -(-args.small // per_township))
        print(f"loaded {args.persons:,} persons: {Person.objects.count():,}", flush=True)
    large = time_recompute()
    print(f"recompute at {args.persons:,} persons: {large:.2f} s  {county_figures()}", flush=True)
    print(f"ratio {args.persons // 1000}k / {args.small // 1000}k: {large / small:.1f}", flush=True)

    p50, p95 = time_dashboard(args.requests)
    print(
        f"county dashboard over {args.requests} requests: "
        f"p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms",
        flush=True,
    )

    if not args.skip_demo:
        print(f"demo county (5k) recompute: {demo_recompute():.3f} s", flush=True)

    print(
        "targets: 1M <= 15 s; 1M/100k <= 12; demo <= 0.5 s; dashboard p95 <= 100 ms",
        flush=True,
    )
    if not args.keep:
        from django.db import connections

        connections.close_all()
        for name in (database, small_db):
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        psql('DROP DATABASE IF EXISTS "healthpov_bench_coverage_demo" WITH (FORCE)')


if __name__ == "__main__":
    main()

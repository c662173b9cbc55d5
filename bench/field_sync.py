"""What field work on a phone costs the server: the offline package and a sync of 500 records.

    .venv/bin/python bench/field_sync.py --database hp_demo [--user shancheng] [--records 500]

Against a migrated database holding the demo county (``manage.py seed_demo``) on PostgreSQL
(``PG_URL``, default ``postgres://postgres@127.0.0.1:5432``), through Django's test client:
builds each demo field user's package (households, persons, JSON size, queries, wall and
Python CPU seconds), then sends ``--records`` follow-ups of the user's key chronic patients in
one batch and sends the same batch again (all duplicates). The machine's load average is
printed with each line: on a shared machine the CPU seconds are the steadier figure. The
records sent stay in the database: use a throwaway copy.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
import uuid
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--user", default="shancheng")
    parser.add_argument("--records", type=int, default=500)
    args = parser.parse_args()

    server = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="healthpov.settings.local",
        DEBUG="false",
        DATABASE_URL=f"{server}/{args.database}",
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()

    from django.db import connection, reset_queries
    from django.test import Client

    from healthpov.accounts.models import User
    from healthpov.period import ReportingPeriod
    from households.models import Person
    from signing import followups

    connection.force_debug_cursor = True  # count queries
    connection.queries_log = deque(maxlen=1_000_000)  # Django keeps only 9,000 by default

    def timed(call):
        reset_queries()
        started, cpu = time.perf_counter(), time.process_time()
        result = call()
        return result, time.perf_counter() - started, time.process_time() - cpu

    def load() -> str:
        return f"load {os.getloadavg()[0]:.1f}"

    for name in ("villagedoc", "shancheng", "zhukou", "county"):
        user = User.objects.filter(username=name).first()
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        client.get("/api/field/package/")  # warm the caches
        response, wall, cpu = timed(lambda client=client: client.get("/api/field/package/"))
        package = response.json()
        print(
            f"package {name}: {len(package['households'])} households, "
            f"{len(package['persons'])} persons, {len(response.content) / 1024:.0f} KiB, "
            f"{len(connection.queries)} queries, {wall:.2f} s wall, {cpu:.2f} s CPU, {load()}"
        )

    user = User.objects.get(username=args.user)
    today = ReportingPeriod.current().as_of
    patients = list(
        followups.chronic_patients(Person.objects.visible_to(user), today).order_by("pk")[:200]
    )
    first_day = datetime.date(today.year, 1, 1)
    records = []
    for n in range(args.records):
        patient = patients[n % len(patients)]
        day = min(max(first_day + datetime.timedelta(days=n % 300), patient.chronic_since), today)
        records.append(
            {
                "uuid": str(uuid.uuid4()),
                "kind": "followup",
                "person": patient.pk,
                "queued_by": user.pk,
                "queued_at": f"{today.isoformat()}T09:00:00+08:00",
                "data": {
                    "served_on": day.isoformat(),
                    "method": "home",
                    "systolic": 132,
                    "diastolic": 84,
                    "symptoms": ["none"],
                    "classification": "satisfactory",
                    "note": "入户随访",
                },
            }
        )
    client = Client()
    client.force_login(user)
    body = json.dumps({"records": records})
    for label in ("new", "resent"):
        response, wall, cpu = timed(
            lambda: client.post("/api/field/sync/", body, content_type="application/json")
        )
        statuses: dict[str, int] = {}
        for result in response.json()["results"]:
            statuses[result["status"]] = statuses.get(result["status"], 0) + 1
        print(
            f"sync {user.username}, {args.records} {label}: {statuses}, "
            f"{len(connection.queries)} queries, {wall:.2f} s wall, {cpu:.2f} s CPU, {load()}"
        )


if __name__ == "__main__":
    main()

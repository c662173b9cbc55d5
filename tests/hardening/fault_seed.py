"""Fill the template database of the import fault tests (run in a subprocess by test_faults.py).

    DATABASE_URL=... MEDIA_ROOT=... python -m tests.hardening.fault_seed ROSTER.xlsx YEAR

Creates the demo county's places, one county user, and a roster batch of ROSTER uploaded and
checked by that user (no row error) whose apply job waits in the outbox
(``PendingDispatch``), as when the user pressed "import" while Redis was down: the first
worker started on a copy of this database sends it (its ``worker_ready`` sweep) and runs it.
Prints the ids the tests need as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import django


def seed(roster: Path, year: int) -> dict[str, int]:
    from django.core.files import File

    from healthpov.accounts.models import User
    from healthpov.operations.models import PendingDispatch
    from healthpov.places.demo import build_places
    from households import services, tasks
    from households.ledgers import RosterLedger
    from households.models import ImportBatch

    county = build_places()
    user = User.objects.create_user(
        username="faults", password="pw-for-tests-1", role=User.Role.COUNTY_BUREAU, place=county
    )
    with roster.open("rb") as handle:
        batch = services.import_batch_create(
            kind=RosterLedger.kind,
            uploaded_file=File(handle, name=roster.name),
            actor=user,
            options={"year": year},
        )
    result = services.import_batch_check(batch=batch)
    batch.refresh_from_db()
    if batch.status != ImportBatch.Status.CHECKED or not result.ok:
        raise SystemExit(f"the roster did not check clean: {result.error_lines()[:5]}")
    PendingDispatch.objects.create(
        task_name=tasks.apply_import_batch.name, args=[batch.pk, user.pk, False]
    )
    return {
        "batch": batch.pk,
        "user": user.pk,
        "rows": result.rows_total,
        "persons_new": result.counts["persons_new"],
        "households_new": result.counts["households_new"],
    }


if __name__ == "__main__":
    django.setup()
    print(json.dumps(seed(Path(sys.argv[1]), int(sys.argv[2]))))

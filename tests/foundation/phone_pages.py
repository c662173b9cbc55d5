"""The pages a township user and a village doctor open in the field, with a county to show.

``build_county(cast)`` fills township A (village A) with one record of every kind, so every
list has rows; ``PAGES`` says, per URL name of the permission matrix (tests/permissions.py),
which record each page is opened on. ``DOWNLOADS`` are the GET URLs that answer a file or a
fragment, not a page. tests/foundation/test_phone_pages.py checks that every GET URL of the
matrix, with each of its variants (work-list slugs, form names, ledger kinds), is in one of
the two; tests/foundation/test_browser_phone.py opens them all at phone size.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from coverage.models import RecomputeRun
from healthpov.notifications.models import Notification
from households.models import ImportBatch, Relation
from remediation import services as remediation_services
from remediation.models import ItemState, ProgressReport, Revisit
from tests.households.factories import HouseholdFactory, PersonFactory
from tests.households.workbooks import write_roster
from tests.inspections.factories import (
    CampaignFactory,
    FindingFactory,
    InspectionGroupFactory,
    image_upload,
)
from tests.remediation.factories import ItemFactory
from tests.signing.factories import (
    BookletFactory,
    ChronicRegistrationFactory,
    ContractFactory,
    DiseaseFactory,
    FulfilmentFactory,
    HealthCheckFactory,
    RosterEntryFactory,
    UnsignedRecordFactory,
    hypertension,
)
from tests.treatment.factories import CallFactory, CaseFactory, MajorDiseaseFactory, StayFactory

# Names as long as real ones (compound surnames, ethnic names) and full-length household numbers.
HEAD_NAME = "欧阳建国"
MEMBER_NAMES = ("司马玉兰", "欧阳晓明", "阿依古丽·买买提")
HOUSEHOLD_NUMBER = "3504290010020030045"
LONG_TEXT = "入户核查发现签约服务履约记录不完整,家庭医生团队未按季度落实随访并填写随访表"


@dataclass(frozen=True)
class Page:
    """One page to open: a URL name, its kwargs and query, and a short name for screenshots."""

    url_name: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    query: str = ""
    screenshot: str = ""  # kept as a test artefact when set

    @property
    def id(self) -> str:
        extra = ",".join(f"{k}={v}" for k, v in self.kwargs.items() if k != "pk")
        return f"{self.url_name}[{extra}]" if extra else self.url_name


def build_county(cast: SimpleNamespace) -> SimpleNamespace:
    """One household of township A with members on every work list, and the other records."""
    today = timezone.localdate()
    year = today.year
    household = HouseholdFactory(
        village=cast.village_a, number=HOUSEHOLD_NUMBER, head_name=HEAD_NAME, phone="13912345678"
    )
    head = PersonFactory(household=household, name=HEAD_NAME, phone="13812345678")
    members = [head]
    for name, relation in zip(
        MEMBER_NAMES, (Relation.SPOUSE, Relation.SON, Relation.DAUGHTER_IN_LAW), strict=True
    ):
        members.append(PersonFactory(household=household, name=name, relation=relation))
    for member in members:
        RosterEntryFactory(person=member, year=year)

    # Signing: a contract running out, an unsigned member, a follow-up due, a booklet, a check.
    ContractFactory(
        person=head, year=year, signed_on=today, valid_until=today + dt.timedelta(days=10)
    )
    UnsignedRecordFactory(person=members[1], year=year, recorded_on=today)
    ChronicRegistrationFactory(
        person=head, disease=hypertension(year), diagnosed_on=dt.date(2000, 1, 1)
    )
    booklet = BookletFactory(
        diagnosis__person=members[2],
        diagnosis__disease=DiseaseFactory(year=year, name="冠心病", is_special_outpatient=True),
    )
    HealthCheckFactory(person=head, checked_on=today)
    FulfilmentFactory(person=head, served_on=today)

    # Treatment: a screened case with a call, an inpatient stay.
    case = CaseFactory(
        person=members[3],
        disease=MajorDiseaseFactory(year=year),
        screening_date=dt.date(year, 1, 5),
    )
    CallFactory(case=case, called_on=dt.date(year, 1, 20), note=LONG_TEXT)
    StayFactory(
        person=head,
        admitted_on=dt.date(year, 1, 3),
        discharged_on=dt.date(year, 1, 12),
        total_cost=Decimal("30000.00"),
        policy_cost=Decimal("28000.00"),
        basic_insurance=Decimal("9000.00"),
        critical_insurance=Decimal("4000.00"),
        medical_assistance=Decimal("4000.00"),
        supplementary_insurance=Decimal("1000.00"),
        personal_payment=Decimal("12000.00"),
    )

    # An import checked with errors, waiting to be applied (the import preview).
    batch = ImportBatch(
        kind="roster",
        original_name="杉城镇2026年度健康扶贫对象花名册(第二批次修订版).xlsx",
        sha256="a" * 64,
        place=cast.township_a,
        created_by=cast.user_a,
        status=ImportBatch.Status.CHECKED,
        row_count=3,
        errors=[
            {"row": 4, "column": "身份证号码", "col": 3, "message": LONG_TEXT},
            {"row": 5, "column": "姓名", "col": 0, "message": "姓名为空"},
        ],
        error_count=2,
        counts={"sheet_name": "Sheet", "header_row": 1, "file_format": "xlsx", "created": 1},
    )
    with tempfile.TemporaryDirectory() as folder:
        path = write_roster(Path(folder) / "a.xlsx", [], title=False)
        batch.file.save("a.xlsx", ContentFile(path.read_bytes()), save=False)
    batch.save()

    # Inspections: a campaign inspecting township A, with a finding in village A.
    campaign = CampaignFactory(place=cast.county, name="2026年健康扶贫成果巩固专项督查")
    InspectionGroupFactory(campaign=campaign, places=[cast.township_a])
    finding = FindingFactory(
        campaign=campaign,
        township=cast.township_a,
        place=cast.village_a,
        description=LONG_TEXT,
        found_on=dt.date(2026, 3, 1),
    )

    # Remediation: an overdue item with evidence, a closed one due a revisit, a report.
    item = ItemFactory(
        township=cast.township_a,
        place=cast.village_a,
        problem=LONG_TEXT,
        overdue_since=today - dt.timedelta(days=3),
    )
    remediation_services.item_transition(item_id=item.pk, action="start", actor=cast.user_a)
    remediation_services.item_transition(
        item_id=item.pk, action="submit", actor=cast.user_a, note="已整改", photos=[image_upload()]
    )
    closed = ItemFactory(
        township=cast.township_a,
        place=cast.village_a,
        problem="家庭医生签约服务协议未入户送达",
        state=ItemState.CLOSED,
        closed_at=timezone.now(),
    )
    Revisit.objects.create(item=closed, due_on=today)
    remediation_services.accountability_record(
        kind="notice",
        place=cast.township_a,
        held_on=today,
        reason=LONG_TEXT,
        actor=cast.county_user,
    )
    report = remediation_services.progress_report_build(
        kind=ProgressReport.Kind.WEEKLY, county_id=cast.county.pk
    )

    # Finished, so its page does not poll.
    run = RecomputeRun.objects.create(
        year=year, as_of=today, status=RecomputeRun.Status.DONE, progress=100
    )

    for user in (cast.user_a, cast.village_doctor_a):
        Notification.objects.create(recipient=user, kind="new_item", message=LONG_TEXT)

    return SimpleNamespace(
        household=household,
        head=head,
        members=members,
        booklet=booklet,
        case=case,
        batch=batch,
        campaign=campaign,
        finding=finding,
        item=item,
        evidence=item.evidence.get(),
        report=report,
        run=run,
        year=year,
    )


def _on(key: str, **extra: Any) -> Callable[[SimpleNamespace, SimpleNamespace], dict]:
    """kwargs ``{"pk": <county.key>.pk, **extra}``."""

    def kwargs(county: SimpleNamespace, cast: SimpleNamespace) -> dict:
        return {"pk": getattr(county, key).pk, **extra}

    return kwargs


def _none(county: SimpleNamespace, cast: SimpleNamespace) -> dict:
    return {}


def _fixed(**values: Any) -> Callable[[SimpleNamespace, SimpleNamespace], dict]:
    return lambda county, cast: dict(values)


def _township(**extra: Any) -> Callable[[SimpleNamespace, SimpleNamespace], dict]:
    return lambda county, cast: {"pk": cast.township_a.pk, **extra}


WORKLIST_SLUGS = ("unsigned", "followups", "booklets", "health-checks", "expiring", "visits")
FORM_NAMES = ("contract", "unsigned", "fulfilment", "followup", "health_check", "chronic")
FORM_NAMES += ("diagnosis",)
LEDGER_KINDS = ("problems", "responsibilities", "tasks", "ledger")

# (url name, kwargs builder, query, screenshot name)
_SPEC: list[tuple[str, Callable, str, str]] = [
    ("home", _none, "", "home"),
    ("field", _none, "", "field"),
    ("notifications:notification_list", _none, "", ""),
    ("households:search", _none, "", "household-search"),
    ("households:search", _none, f"q={HEAD_NAME}", ""),
    ("households:household_create", _none, "", ""),
    ("households:household_detail", _on("household"), "", "household-detail"),
    ("households:household_edit", _on("household"), "", "household-edit"),
    ("households:person_create", _on("household"), "", ""),
    ("households:person_edit", _on("head"), "", "person-edit"),
    ("households:person_status", _on("head"), "", ""),
    ("households:import_upload", _none, "", "import-upload"),
    ("households:import_detail", _on("batch"), "", "import-preview"),
    ("signing:household", _on("household"), "", ""),
    ("signing:household_sheet", _on("household"), "", "household-sheet"),
    *[
        ("signing:household_form", _on("household", form_name=name), "", f"form-{name}")
        for name in FORM_NAMES
    ],
    ("signing:booklet", lambda county, cast: {"pk": county.booklet.diagnosis_id}, "", ""),
    ("signing:worklists", _none, "", "worklists"),
    *[("signing:worklist", _fixed(slug=slug), "", f"worklist-{slug}") for slug in WORKLIST_SLUGS],
    ("treatment:case_list", _none, "", "case-list"),
    ("treatment:case_create", _none, "person={head}", ""),
    ("treatment:no_call_list", _none, "", ""),
    ("treatment:case_detail", _on("case"), "", "case-detail"),
    ("treatment:case_edit", _on("case"), "", ""),
    ("treatment:case_refuse", _on("case"), "", ""),
    ("treatment:stay_list", _none, "", "stay-list"),
    ("treatment:stay_create", _none, "person={head}", ""),
    ("treatment:township_summary", _none, "", ""),
    ("treatment:risk_watch", _none, "", ""),
    ("coverage:dashboard", _none, "", ""),
    ("coverage:place", _township(), "", "coverage-place"),
    ("coverage:drilldown", _township(code="roster_persons"), "", ""),
    ("coverage:form", _township(slug="work"), "", ""),
    ("coverage:run", _on("run"), "", ""),  # county only: refused to both roles
    ("inspections:campaign_list", _none, "", ""),
    ("inspections:campaign_create", _none, "", ""),
    ("inspections:campaign_detail", _on("campaign"), "", ""),
    ("inspections:group_create", _on("campaign"), "", ""),
    ("inspections:group_edit", _on("campaign"), "", ""),
    ("inspections:checklist_item_create", _on("campaign"), "", ""),
    ("inspections:finding_create", _on("campaign"), "", ""),
    ("inspections:campaign_report", _on("campaign"), "", ""),
    ("inspections:finding_list", _none, "", ""),
    ("inspections:finding_detail", _on("finding"), "", ""),
    ("remediation:home", _none, "", ""),
    *[
        ("remediation:item_list", _fixed(kind=kind), "", f"remediation-{kind}")
        for kind in LEDGER_KINDS
    ],
    ("remediation:item_create", _none, "", ""),
    ("remediation:item_create_from_finding", _on("finding"), "", ""),
    ("remediation:item_detail", _on("item"), "", "remediation-item"),
    ("remediation:accountability_list", _none, "", ""),
    ("remediation:accountability_create", _none, "", ""),
    ("remediation:report_list", _none, "", ""),
    ("remediation:report_detail", _on("report"), "", ""),
    ("remediation:revisit_list", _none, "", ""),
]

# GET URLs of the matrix that answer a file or an HTML fragment, not a page.
DOWNLOADS: dict[str, str] = {
    "notifications:notification_count": "the bell's badge, an HTMX fragment",
    "households:export": "xlsx",
    "households:import_report": "xlsx with the errors marked",
    "signing:worklist_export": "xlsx",
    "treatment:refusal_proof": "the uploaded proof file",
    "coverage:form_xlsx": "xlsx",
    "coverage:drilldown_xlsx": "xlsx",
    "inspections:campaign_report_xlsx": "xlsx",
    "inspections:photo": "an image",
    "remediation:item_list_xlsx": "xlsx",
    "remediation:evidence": "an uploaded photo",
    "remediation:accountability_xlsx": "xlsx",
    "remediation:report_xlsx": "xlsx",
}


def pages(county: SimpleNamespace, cast: SimpleNamespace) -> list[Page]:
    built = []
    for url_name, kwargs, query, screenshot in _SPEC:
        query = query.format(head=county.head.pk)
        built.append(Page(url_name, kwargs(county, cast), query, screenshot))
    return built


class _Anything:
    """Stands for the county and the cast when only the shape of the kwargs is wanted."""

    pk = 0
    diagnosis_id = 0

    def __getattr__(self, name: str) -> _Anything:
        return self


def page_keys() -> set[tuple[str, tuple]]:
    """(url name, its kwargs other than pk) of every page, without building a county."""
    anything: Any = _Anything()
    keys = set()
    for url_name, kwargs, _query, _shot in _SPEC:
        built = kwargs(anything, anything)
        keys.add((url_name, tuple(sorted((k, v) for k, v in built.items() if k != "pk"))))
    return keys

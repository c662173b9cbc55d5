"""Every URL of the treatment app, for the permission matrix (see tests/permissions.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile

from tests.permissions import PermissionCase, Target
from tests.treatment.factories import CallFactory, CaseFactory, PersonFactory, StayFactory
from treatment.models import CaseStatus

MARKER = "朱口病人标记B"


def _case_b(cast, **extra):
    person = PersonFactory(household__village=cast.village_b, name=MARKER)
    return CaseFactory(person=person, screening_date=dt.date(2018, 1, 5), **extra)


def case_b(cast) -> Target:
    return Target(kwargs={"pk": _case_b(cast).pk}, marker=MARKER)


def case_b_listed(cast) -> Target:
    _case_b(cast)
    return Target(marker=MARKER, query={"year": "2018"})


def case_b_no_call(cast) -> Target:
    case = _case_b(cast)
    CallFactory(case=case, called_on=dt.date(2018, 1, 20))
    return Target(marker=MARKER, query={"as_of": "2018-06-04"})


def case_b_with_proof(cast) -> Target:
    case = _case_b(cast, status=CaseStatus.REFUSED, refusal_reason="拒绝")
    case.refusal_proof.save("proof.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    return Target(kwargs={"pk": case.pk})


def case_b_call_post(cast) -> Target:
    return Target(kwargs={"pk": _case_b(cast).pk}, data={"called_on": "2018-05-01"})


def person_b_form(cast) -> Target:
    person = PersonFactory(household__village=cast.village_b, name=MARKER)
    return Target(query={"person": str(person.pk)}, data={"person": str(person.pk)})


def stay_b_listed(cast) -> Target:
    StayFactory(person=PersonFactory(household__village=cast.village_b, name=MARKER))
    return Target(marker=MARKER, query={"year": "2018"})


def summary_b(cast) -> Target:
    _case_b(cast)
    return Target(marker="朱口镇", query={"year": "2018", "as_of": "2018-06-04"})


def risk_b(cast) -> Target:
    StayFactory(
        person=PersonFactory(household__village=cast.village_b, name=MARKER),
        total_cost=Decimal("30000.00"),
        policy_cost=Decimal("28000.00"),
        basic_insurance=Decimal("9000.00"),
        critical_insurance=Decimal("4000.00"),
        medical_assistance=Decimal("4000.00"),
        supplementary_insurance=Decimal("1000.00"),
        personal_payment=Decimal("12000.00"),
    )
    return Target(marker=MARKER, query={"as_of": "2018-06-04"})


def api_case_b(cast) -> Target:
    return Target(kwargs={"pk": _case_b(cast).pk})


def api_call_b(cast) -> Target:
    call = CallFactory(case=_case_b(cast), note=MARKER)
    return Target(kwargs={"pk": call.pk})


def api_call_b_listed(cast) -> Target:
    CallFactory(case=_case_b(cast), note=MARKER)
    return Target(marker=MARKER)


def api_stay_b(cast) -> Target:
    stay = StayFactory(person=PersonFactory(household__village=cast.village_b, name=MARKER))
    return Target(kwargs={"pk": stay.pk})


CASES = [
    PermissionCase("treatment:case_list", "list", case_b_listed),
    PermissionCase("treatment:case_create", "detail", person_b_form, methods=("get", "post")),
    PermissionCase("treatment:no_call_list", "list", case_b_no_call),
    PermissionCase("treatment:case_detail", "detail", case_b),
    PermissionCase("treatment:case_edit", "detail", case_b, methods=("get", "post")),
    PermissionCase("treatment:case_refuse", "detail", case_b, methods=("get", "post")),
    PermissionCase("treatment:refusal_proof", "detail", case_b_with_proof),
    PermissionCase("treatment:call_create", "detail", case_b_call_post, methods=("post",)),
    PermissionCase("treatment:stay_list", "list", stay_b_listed),
    PermissionCase("treatment:stay_create", "detail", person_b_form, methods=("get", "post")),
    PermissionCase("treatment:township_summary", "list", summary_b),
    PermissionCase("treatment:risk_watch", "list", risk_b),
    PermissionCase("treatment-case-list", "list", case_b_listed, api=True),
    PermissionCase("treatment-case-detail", "detail", api_case_b, api=True),
    PermissionCase("treatment-call-list", "list", api_call_b_listed, api=True),
    PermissionCase("treatment-call-detail", "detail", api_call_b, api=True),
    PermissionCase("treatment-stay-list", "list", stay_b_listed, api=True),
    PermissionCase("treatment-stay-detail", "detail", api_stay_b, api=True),
]

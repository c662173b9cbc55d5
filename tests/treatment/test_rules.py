"""Treatment's rules in SQL and for one record agree: case treated/refused/died, the money
parts of a stay and each breach (around the personal-share cap)."""

import datetime
import itertools
from decimal import Decimal

import pytest

from tests.treatment.factories import CaseFactory, PersonFactory, StayFactory
from treatment.models import (
    BREACH_DEPOSIT,
    BREACH_NOT_ONE_STOP,
    BREACH_OVER_CAP,
    CaseStatus,
    InpatientStay,
    MajorIllnessCase,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(village_a):
    built = []
    for status, treated in itertools.product(CaseStatus.values, [None, datetime.date(2018, 2, 1)]):
        built.append(
            CaseFactory(
                person=PersonFactory(household__village=village_a),
                status=status,
                treatment_date=treated,
            )
        )
    return built


@pytest.mark.parametrize(
    "q, attribute",
    [
        (MajorIllnessCase.treated_q, "counts_as_treated"),
        (MajorIllnessCase.refused_q, "counts_as_refused"),
        (MajorIllnessCase.died_q, "counts_as_died"),
    ],
)
def test_case_rules_in_sql_agree_with_the_case(cases, q, attribute):
    by_record = {c.pk for c in cases if getattr(c, attribute)}
    assert by_record
    assert set(MajorIllnessCase.objects.filter(q()).values_list("pk", flat=True)) == by_record


def test_a_case_that_died_after_treatment_counts_as_treated_and_died(cases):
    died_treated = [c for c in cases if c.status == CaseStatus.DIED and c.treatment_date]
    assert [(c.counts_as_treated, c.counts_as_died) for c in died_treated] == [(True, True)]


def _stay(person, *, personal: str, deposit: bool, one_stop: bool) -> InpatientStay:
    personal = Decimal(personal)
    return StayFactory(
        person=person,
        total_cost=Decimal("1000.00"),
        policy_cost=Decimal("900.00"),
        basic_insurance=Decimal("1000.00") - personal - Decimal("30.00"),
        critical_insurance=Decimal("10.00"),
        medical_assistance=Decimal("10.00"),
        supplementary_insurance=Decimal("10.00"),
        personal_payment=personal,
        deposit_taken=deposit,
        one_stop=one_stop,
    )


@pytest.fixture
def stays(village_a):
    person = PersonFactory(household__village=village_a)
    return [
        _stay(person, personal=personal, deposit=deposit, one_stop=one_stop)
        for personal, deposit, one_stop in itertools.product(
            ["0.00", "49.99", "50.00", "50.01", "99.99", "100.00", "100.01"],
            [False, True],
            [True, False],
        )
    ]


@pytest.mark.parametrize("cap", [Decimal("0.05"), Decimal("0.1")])
def test_each_breach_in_sql_agrees_with_the_stay(stays, cap):
    def ids(q):
        return set(InpatientStay.objects.filter(q).values_list("pk", flat=True))

    assert ids(InpatientStay.over_cap_q(cap)) == {s.pk for s in stays if s.is_over_cap(cap)}
    assert ids(InpatientStay.deposit_breach_q()) == {
        s.pk for s in stays if BREACH_DEPOSIT in s.breaches(cap)
    }
    assert ids(InpatientStay.not_one_stop_q()) == {
        s.pk for s in stays if BREACH_NOT_ONE_STOP in s.breaches(cap)
    }
    assert ids(InpatientStay.breach_q(cap)) == {s.pk for s in stays if s.breaches(cap)}
    assert {s.pk for s in stays if BREACH_OVER_CAP in s.breaches(cap)} == ids(
        InpatientStay.over_cap_q(cap)
    )


def test_a_share_exactly_at_the_cap_is_no_breach(stays):
    at_cap = next(s for s in stays if s.personal_payment == Decimal("100.00"))
    assert not at_cap.is_over_cap(Decimal("0.1"))
    assert at_cap.personal_share == Decimal("0.1")


def test_paid_part_in_sql_agrees_with_the_stay(stays):
    paid = dict(
        InpatientStay.objects.annotate(paid=InpatientStay.paid_expression()).values_list(
            "pk", "paid"
        )
    )
    assert {pk: Decimal(value).quantize(Decimal("0.01")) for pk, value in paid.items()} == {
        s.pk: s.reimbursed for s in stays
    }
    assert all(s.reimbursed + s.personal_payment == s.total_cost for s in stays)

"""Records that can be raised as a finding in one click (问题线索).

Each source kind names the model it reads, the finding category it becomes, the person it is
about, and how to describe it. Describing re-checks the condition with the owning app's own
rule (treatment's stay breaches, signing's unsigned list and follow-up status, treatment's
no-call list) and refuses a record that is not, or no longer, a problem.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from healthpov.accounts.models import User
from households.models import Person
from inspections.models import FindingCategory
from signing import followups
from signing.selectors import ListFilters, unsigned_without_reason
from treatment.models import (
    BREACH_DEPOSIT,
    BREACH_NOT_ONE_STOP,
    BREACH_OVER_CAP,
    InpatientStay,
    MajorIllnessCase,
    TreatmentPolicy,
)
from treatment.selectors import cases_without_recent_call


@dataclass(frozen=True)
class Source:
    model: type[models.Model]
    category: str
    person: Callable[[models.Model], Person]
    # (record, actor, day) -> description; raises ValidationError if it is not a problem
    describe: Callable[[models.Model, User, datetime.date], str]


def _describe_stay(stay: InpatientStay, actor: User, day: datetime.date) -> str:
    cap = TreatmentPolicy.for_year(stay.discharged_on.year).personal_share_cap
    breaches = stay.breaches(cap)
    if not breaches:
        raise ValidationError(_("This stay breaches no policy; nothing was raised."))
    problems = {
        BREACH_DEPOSIT: _("a deposit was taken (treat first, pay later not applied)"),
        BREACH_NOT_ONE_STOP: _("not settled one-stop"),
        BREACH_OVER_CAP: _("personal share %(share).1f%% above the %(cap).1f%% cap")
        % {"share": (stay.personal_share or 0) * 100, "cap": cap * 100},
    }
    return _("Inpatient stay at %(hospital)s (%(start)s to %(end)s): %(problems)s.") % {
        "hospital": stay.hospital_name or (stay.hospital or ""),
        "start": f"{stay.admitted_on:%Y-%m-%d}",
        "end": f"{stay.discharged_on:%Y-%m-%d}",
        "problems": "; ".join(str(problems[code]) for code in breaches),
    }


def _describe_unsigned(person: Person, actor: User, day: datetime.date) -> str:
    unsigned = unsigned_without_reason(actor, day.year, day, ListFilters())
    if not unsigned.filter(pk=person.pk).exists():
        raise ValidationError(
            _(
                "This person is not unsigned without a reason this year (signed, a reason "
                "recorded, or not on the roster); nothing was raised."
            )
        )
    return _("%(name)s has no family-doctor contract for %(year)d and no recorded reason.") % {
        "name": person.name,
        "year": day.year,
    }


def _describe_followup_person(person: Person, actor: User, day: datetime.date) -> str:
    status = followups.patient_followup_status(person, day)
    if not status.is_patient:
        raise ValidationError(
            _("This person has no registered chronic disease; nothing was raised.")
        )
    if not status.overdue:
        raise ValidationError(_("This person's follow-up is not overdue; nothing was raised."))
    return _("%(name)s, a chronic-disease patient, has not been followed up this quarter.") % {
        "name": person.name
    }


def _describe_followup_case(case: MajorIllnessCase, actor: User, day: datetime.date) -> str:
    if not cases_without_recent_call(actor, as_of=day).filter(pk=case.pk).exists():
        raise ValidationError(
            _("This case had a follow-up call within 90 days; nothing was raised.")
        )
    return _("%(name)s (%(disease)s): no follow-up call for more than 90 days.") % {
        "name": case.person.name,
        "disease": case.disease,
    }


SOURCES: dict[str, Source] = {
    "stay": Source(
        InpatientStay, FindingCategory.STAY_BREACH, lambda stay: stay.person, _describe_stay
    ),
    "unsigned_person": Source(
        Person, FindingCategory.UNSIGNED_NO_REASON, lambda person: person, _describe_unsigned
    ),
    "followup_person": Source(
        Person,
        FindingCategory.FOLLOWUP_OVERDUE,
        lambda person: person,
        _describe_followup_person,
    ),
    "followup_case": Source(
        MajorIllnessCase,
        FindingCategory.FOLLOWUP_OVERDUE,
        lambda case: case.person,
        _describe_followup_case,
    ),
}

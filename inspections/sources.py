"""Records that can be raised as a finding in one click (问题线索).

Each source kind names the model it reads, the finding category it becomes, and how to
describe it. The record is looked up within the actor's places (404 otherwise) and checked to
still be a problem, so a stale button cannot raise a non-problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from healthpov.period import ReportingPeriod
from inspections.models import FindingCategory


@dataclass(frozen=True)
class Source:
    model: str  # "app_label.Model"
    category: str
    person_path: str  # ORM path from the record to its households.Person
    describe: Callable[[models.Model], str]  # raises ValidationError if no longer a problem

    def model_class(self) -> type[models.Model] | None:
        try:
            return apps.get_model(self.model)
        except LookupError:
            return None

    def person(self, record):
        obj = record
        for part in filter(None, self.person_path.split(".")):
            obj = getattr(obj, part)
        return obj


def _describe_stay(stay) -> str:
    from treatment.models import TreatmentPolicy

    problems = []
    if stay.deposit_taken:
        problems.append(_("a deposit was taken (treat first, pay later not applied)"))
    if not stay.one_stop:
        problems.append(_("not settled one-stop"))
    share = stay.personal_share
    cap = TreatmentPolicy.for_year(stay.discharged_on.year).personal_share_cap
    if share is not None and share > cap:
        problems.append(
            _("personal share %(share).1f%% above the %(cap).1f%% cap")
            % {"share": share * 100, "cap": cap * 100}
        )
    if not problems:
        raise ValidationError(_("This stay breaches no policy; nothing was raised."))
    return _("Inpatient stay at %(hospital)s (%(start)s to %(end)s): %(problems)s.") % {
        "hospital": stay.hospital_name or (stay.hospital or ""),
        "start": f"{stay.admitted_on:%Y-%m-%d}",
        "end": f"{stay.discharged_on:%Y-%m-%d}",
        "problems": "; ".join(problems),
    }


def _describe_unsigned(person) -> str:
    year = ReportingPeriod.current().year
    if person.contracts.filter(year=year).exists():
        raise ValidationError(_("This person has signed this year; nothing was raised."))
    if person.unsigned_records.filter(year=year).exists():
        raise ValidationError(_("A reason is recorded for this person; nothing was raised."))
    return _("%(name)s has no family-doctor contract for %(year)d and no recorded reason.") % {
        "name": person.name,
        "year": year,
    }


def _describe_followup_person(person) -> str:
    return _("%(name)s, a chronic-disease patient, has not been followed up this quarter.") % {
        "name": person.name
    }


def _describe_followup_case(case) -> str:
    return _("%(name)s (%(disease)s): no follow-up call for more than 90 days.") % {
        "name": case.person.name,
        "disease": case.disease,
    }


SOURCES: dict[str, Source] = {
    "stay": Source(
        "treatment.InpatientStay", FindingCategory.STAY_BREACH, "person", _describe_stay
    ),
    "unsigned_person": Source(
        "households.Person", FindingCategory.UNSIGNED_NO_REASON, "", _describe_unsigned
    ),
    "followup_person": Source(
        "households.Person", FindingCategory.FOLLOWUP_OVERDUE, "", _describe_followup_person
    ),
    "followup_case": Source(
        "treatment.MajorIllnessCase",
        FindingCategory.FOLLOWUP_OVERDUE,
        "person",
        _describe_followup_case,
    ),
}

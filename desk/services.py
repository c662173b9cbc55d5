"""Writes of the top layer: raise a registry record as a finding; start a new year."""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone

from coverage import services as coverage_services
from desk.raising import SOURCES
from healthpov.accounts.models import User
from inspections import services as inspection_services
from inspections.models import Campaign, Finding
from signing import services as signing_services
from treatment import services as treatment_services


def finding_raise(
    *,
    source_kind: str,
    record: models.Model,
    actor: User,
    campaign: Campaign | None = None,
) -> Finding:
    """Raise a problem found in the registry (a stay breach, an unsigned person, an overdue
    follow-up) as a finding of a running campaign, once its condition is checked again."""
    source = SOURCES[source_kind]
    description = source.describe(record, actor, timezone.localdate())
    return inspection_services.finding_raise(
        source_kind=source_kind,
        source_id=record.pk,
        person=source.person(record),
        category=source.category,
        description=description,
        actor=actor,
        campaign=campaign,
    )


@transaction.atomic
def year_start(*, year: int, actor: User) -> dict[str, int]:
    """Give ``year`` its own copy of every yearly catalogue and parameter in force there (the
    newest earlier year's): diseases, service packages, the signing and treatment policies and
    the indicator targets, each copied by the app that owns it. Safe to run twice."""
    copied = signing_services.year_start(year=year, actor=actor)
    copied["treatment_policies"] = treatment_services.treatment_policy_start_year(
        year=year, actor=actor
    )
    copied["targets"] = coverage_services.targets_start_year(year=year, actor=actor)
    return copied

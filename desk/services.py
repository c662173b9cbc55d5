"""Writes of the top layer: raise a registry record as a finding."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from desk.raising import SOURCES
from healthpov.accounts.models import User
from inspections import services as inspection_services
from inspections.models import Campaign, Finding


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

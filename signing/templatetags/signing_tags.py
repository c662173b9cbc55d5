"""Tags that let other apps' pages show the signing records of a household."""

from django import template
from django.utils import timezone

from signing import selectors
from signing.models import BookletStatus
from signing.views import FORM_SPECS

register = template.Library()


@register.inclusion_tag("signing/snippets/section_body.html", takes_context=True)
def signing_household_section(context, household, year=None):
    """The signing section of the household page (records of the current year)."""
    today = timezone.localdate()
    year = int(year or today.year)
    as_of = today if year >= today.year else today.replace(year=year, month=12, day=31)
    return {
        "request": context.get("request"),
        "user": context.get("user"),
        "csrf_token": context.get("csrf_token"),
        "household": household,
        "year": year,
        "as_of": as_of,
        "records": selectors.household_records(household, year, as_of),
        "form_names": FORM_SPECS,
    }


@register.inclusion_tag("signing/snippets/sheet_body.html")
def signing_household_sheet(household, year=None):
    """The signing part of the printable household sheet (every year's records)."""
    today = timezone.localdate()
    year = int(year or today.year)
    as_of = today if year >= today.year else today.replace(year=year, month=12, day=31)
    return {
        "household": household,
        "year": year,
        "as_of": as_of,
        "records": selectors.household_records(household, year, as_of, all_years=True),
    }


@register.simple_tag
def booklet_state(diagnosis, as_of):
    """``{"label", "valid"}`` of a diagnosis' booklet on ``as_of`` (expired shows as pending)."""
    from django.utils.translation import gettext as _

    booklet = selectors.booklet_of(diagnosis)
    if booklet is None:
        return {"label": BookletStatus.PENDING.label, "valid": False}
    if booklet.is_valid_on(as_of):
        return {"label": BookletStatus.ISSUED.label, "valid": True}
    if booklet.status == BookletStatus.ISSUED:
        return {"label": _("Expired (pending again)"), "valid": False}
    return {"label": booklet.get_status_display(), "valid": False}

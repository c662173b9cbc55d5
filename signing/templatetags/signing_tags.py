"""Tags that let other apps' pages show the signing records of a household."""

from django import template

from healthpov.period import ReportingPeriod
from signing import selectors
from signing.models import BookletStatus
from signing.views import FORM_SPECS

register = template.Library()


def _period(year) -> ReportingPeriod:
    """The year a page passed (this year if none), as of the default date of that year."""
    return ReportingPeriod.from_params({"year": year}).period if year else ReportingPeriod.current()


@register.inclusion_tag("signing/snippets/section_body.html", takes_context=True)
def signing_household_section(context, household, year=None, members=None):
    """The signing section of the household page (records of the current year); ``members``:
    the household's members, when the page has loaded them already."""
    period = _period(year)
    year, as_of = period.year, period.as_of
    return {
        "request": context.get("request"),
        "user": context.get("user"),
        "csrf_token": context.get("csrf_token"),
        "household": household,
        "year": year,
        "as_of": as_of,
        "records": selectors.household_records(household, year, as_of, members=members),
        "form_names": FORM_SPECS,
    }


@register.inclusion_tag("signing/snippets/sheet_body.html")
def signing_household_sheet(household, year=None):
    """The signing part of the printable household sheet (the records of one year)."""
    period = _period(year)
    year, as_of = period.year, period.as_of
    return {
        "household": household,
        "year": year,
        "as_of": as_of,
        "records": selectors.household_records(household, year, as_of),
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

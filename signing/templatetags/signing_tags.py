"""Tags that let other apps' pages show the signing records of a household, and the work
lists' rows."""

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from healthpov.period import ReportingPeriod
from households.templatetags.registry_tags import case_file_url
from signing import selectors
from signing.models import BookletStatus
from signing.views import FORM_SPECS, WorkList

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


@register.simple_tag(takes_context=True)
def worklist_rows(
    context: template.Context,
    item: WorkList,
    rows: Iterable[tuple[Any, list[Any], Any]],
    open_label: str,
    may_raise: bool = False,
) -> SafeString:
    """The rows of a work list page (``signing.views.worklist``: household, cells, record),
    every cell escaped. As a template loop over a page's 50 rows of six to eight cells they
    cost a ninth to a fifth of the page's web instructions (docs/architecture.md "Performance
    choices"); the raise button (``item.raise_kind``), for the county and inspectors only
    (``may_raise``), is still the snippet's."""
    snippet = (
        context.template.engine.get_template("snippets/raise_finding_button.html")
        if may_raise and item.raise_kind
        else None
    )
    label = conditional_escape(open_label)
    html = []
    for household, cells, record in rows:
        tds = "".join(f"<td>{conditional_escape(cell)}</td>" for cell in cells)
        button = ""
        if snippet is not None and (item.raisable is None or item.raisable(record)):
            with context.push(source_kind=item.raise_kind, source_id=record.pk):
                button = snippet.render(context)
        html.append(
            f'\n    <tr>{tds}\n      <td><a href="{case_file_url(household.pk)}">{label}</a>'
            f"\n        {button}</td></tr>"
        )
    return mark_safe("".join(html))  # noqa: S308 - every cell is escaped here

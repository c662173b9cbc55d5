"""Dashboards (from snapshots), drill-down lists, government forms and the recompute button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coverage import exports, selectors
from coverage import indicators as ind
from coverage.models import RecomputeRun
from coverage.services import recompute_run_start
from healthpov.accounts.models import User
from healthpov.db_routing import reads_replica
from healthpov.exports import XLSX_CONTENT_TYPE, personal_xlsx_response, reveal_requested
from healthpov.period import FIRST_YEAR, ReportingPeriod, last_year_allowed, period_for_page
from healthpov.places.models import Place
from healthpov.places.scoping import get_visible_or_404, path_visible_to, places_visible_to

# Figures on the dashboard cards, in this order.
KEY_RATES = [
    "signing_rate",
    "e_signing_rate",
    "health_check_rate",
    "booklet_rate",
    "followup_compliance",
    "fulfilment_rate",
    "major_treatment_rate",
    "personal_share",
    "reimbursement_ratio",
    "one_stop_rate",
    "no_deposit_rate",
    "in_county_rate",
]
KEY_COUNTS = [
    "roster_persons",
    "roster_households",
    "not_out_persons",
    "not_out_households",
    "signed",
    "unsigned",
    "e_signed",
    "health_checked",
    "special_disease_persons",
    "booklets_pending",
    "major_screened",
    "brochures",
]
RANKING_CODES = [
    "roster_persons",
    "signed",
    "signing_rate",
    "e_signing_rate",
    "health_check_rate",
    "booklet_rate",
    "followup_compliance",
    "fulfilment_rate",
    "not_out_persons",
]
TREND_CODES = [
    "signing_rate",
    "e_signing_rate",
    "health_check_rate",
    "booklet_rate",
    "fulfilment_rate",
]


def _place_for_user_or_404(user: User, pk: int) -> Place:
    """The one access helper for places: outside the user's subtrees is a 404.

    The user's own place, the dashboard everyone lands on, came with the user
    (healthpov/accounts/backends.py) and is not read again.
    """
    own = user.place
    if own is not None and own.pk == pk and path_visible_to(user, own.path):
        return own
    return get_visible_or_404(Place, user, pk=pk)


def _require_county_level(request: HttpRequest) -> None:
    if not request.user.is_county_level:
        raise PermissionDenied


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Send each user to the dashboard of the place they look after."""
    place = request.user.place
    if place is None or not places_visible_to(request.user).filter(pk=place.pk).exists():
        place = (
            places_visible_to(request.user)
            .filter(level__in=["county", "township"])
            .order_by("path")
            .first()
        )
    if place is None:
        raise Http404
    url = redirect("coverage:place", pk=place.pk).url
    if request.GET:
        url += "?" + request.GET.urlencode()
    return redirect(url)


@reads_replica
@require_GET
@login_required
def place_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """A place's figures from the latest snapshot, its children ranked, charts and trends."""
    place = _place_for_user_or_404(request.user, pk)
    period = period_for_page(request)
    year = period.year
    # Without ?as_of= the dashboard shows the year's latest snapshot, whatever its date.
    on_or_before = period.as_of if request.GET.get("as_of") else None
    latest = selectors.latest_snapshot_dates(place=place, on_or_before=on_or_before)
    # The picker offers the years with figures and always the year shown (the working year
    # by default, with or without figures: docs/domain.md, "the working year").
    years = sorted({*latest, year}, reverse=True)
    date = latest.get(year)
    children = list(places_visible_to(request.user).filter(parent=place).order_by("pk"))
    # "Up" only where the user may go: a township's user does not see the county.
    # (The parent's path is the place's without its last part: not visible, no query.)
    parent_path = place.path[: place.path.rstrip("/").rfind("/") + 1]
    parent = None
    if place.parent_id is not None and path_visible_to(request.user, parent_path):
        parent = places_visible_to(request.user).filter(pk=place.parent_id).first()
    context = {
        "place": place,
        "parent": parent,
        "year": year,
        "years": years,
        "date": date,
        "children": children,
        "can_recompute": request.user.is_county_level,
        "year_range": (FIRST_YEAR, last_year_allowed()),
        "latest_run": RecomputeRun.objects.first() if request.user.is_county_level else None,
    }
    if date is not None:
        values = selectors.snapshot_values(year=year, date=date, places=[place, *children])
        own = values.get(place.pk, {})
        targets = selectors.targets_for_year(year)
        sort = request.GET.get("sort")
        if sort not in RANKING_CODES:
            sort = "signing_rate"
        ranking = [(child, values.get(child.pk, {})) for child in children]
        ranking.sort(
            key=lambda item: (item[1].get(sort) is None, -(item[1].get(sort) or 0), item[0].path)
        )
        trend = selectors.snapshot_trend(year=year, place=place, codes=TREND_CODES)
        context.update(
            {
                "values": own,
                "rates": [_card(code, own, targets) for code in KEY_RATES],
                "counts": [(ind.REGISTRY[code], own.get(code)) for code in KEY_COUNTS],
                "ranking_codes": [ind.REGISTRY[c] for c in RANKING_CODES],
                "ranking": ranking,
                "sort": sort,
                "forms": exports.FORMS.values(),
                "chart": {
                    "places": [child.name for child in children],
                    "series": [
                        {
                            "code": code,
                            "name": str(ind.REGISTRY[code].label),
                            "data": [_float(values.get(c.pk, {}).get(code)) for c in children],
                        }
                        for code in ("signing_rate", "e_signing_rate", "health_check_rate")
                    ],
                    "trend": {
                        "dates": sorted(
                            {d.isoformat() for points in trend.values() for d, _v in points}
                        ),
                        "series": [
                            {
                                "name": str(ind.REGISTRY[code].label),
                                "data": [[d.isoformat(), _float(v)] for d, v in trend[code]],
                            }
                            for code in TREND_CODES
                        ],
                    },
                },
            }
        )
    return render(request, "coverage/dashboard.html", context)


def _float(value) -> float | None:
    return None if value is None else round(float(value), 4)


def _card(code: str, values: dict, targets: dict) -> dict:
    indicator = ind.REGISTRY[code]
    target = targets.get(code)
    return {
        "indicator": indicator,
        "value": values.get(code),
        "numerator": ind.REGISTRY[indicator.numerator],
        "numerator_value": values.get(indicator.numerator),
        "denominator": ind.REGISTRY[indicator.denominator],
        "denominator_value": values.get(indicator.denominator),
        "target": target,
        "met": selectors.target_met(values.get(code), target),
    }


def _drilldown_of(request: HttpRequest, code: str, pk: int):
    """The indicator, place, period and rows of one figure's list, scoped to the user."""
    indicator = ind.REGISTRY.get(code)
    if indicator is None or not indicator.available():
        raise Http404
    place = _place_for_user_or_404(request.user, pk)
    period = period_for_page(request)
    rows = selectors.indicator_rows(
        indicator=indicator, place=place, period=period, user=request.user
    )
    return indicator, place, period, rows


@reads_replica
@require_GET
@login_required
def drilldown(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The persons / households / cases / stays one figure counts; as many as the figure."""
    indicator, place, period, rows = _drilldown_of(request, code, pk)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    counted = ind.REGISTRY[indicator.list_code]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "coverage/drilldown.html",
        {
            "indicator": indicator,
            "counted": counted,
            "unit": ind.SOURCES[counted.source].unit,
            "place": place,
            "period": period,
            "page": page,
            "headers": selectors.drilldown_headers(indicator, period),
            "rows": selectors.drilldown_rows(page.object_list, indicator=indicator, period=period),
            "query": query.urlencode(),
        },
    )


@reads_replica
@require_http_methods(["GET", "POST"])
@login_required
def drilldown_xlsx(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The drill-down list as .xlsx: the same rows and columns, masked unless a user who may
    reveal personal data POSTs ``reveal=1`` (recorded in the audit)."""
    indicator, place, period, rows = _drilldown_of(request, code, pk)
    reveal = reveal_requested(request)
    title = f"{indicator.label}-{place.name}"
    return personal_xlsx_response(
        request,
        f"{title}-{period.as_of.isoformat()}.xlsx",
        selectors.drilldown_headers(indicator, period),
        selectors.drilldown_export_rows(rows, indicator=indicator, period=period, reveal=reveal),
        reveal=reveal,
        sheet_title=str(indicator.label),
    )


def _form_and_place(request: HttpRequest, slug: str, pk: int):
    form = exports.FORMS.get(slug)
    if form is None:
        raise Http404
    return form, _place_for_user_or_404(request.user, pk), period_for_page(request)


@reads_replica
@require_GET
@login_required
def form_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The government form as a printable page (A4 landscape), figures linked to their lists.

    The figures are the period's snapshot. Without one the page comes at once and fetches its
    table (computed) after it, so nobody looks at a blank screen meanwhile."""
    form, place, period = _form_and_place(request, slug, pk)
    table = selectors.snapshot_table(period, place)
    if table is None and request.htmx:
        table = selectors.compute_table(period, root=place)
    lines = None if table is None else exports.form_lines(form, table, place)
    context = {
        "form": form,
        "place": place,
        "period": period,
        "header_rows": exports.header_cells(form),
        "lines": lines,
    }
    if request.htmx:
        return render(request, "coverage/snippets/form_table.html", context)
    context["title"] = exports.form_title(form, place, period.year)
    context["unit"] = exports.reporting_unit(place)
    return render(request, "coverage/form.html", context)


@reads_replica
@require_GET
@login_required
def form_xlsx(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    form, place, period = _form_and_place(request, slug, pk)
    table = selectors.form_table(period, place)
    response = HttpResponse(
        exports.form_xlsx(form, table, place),
        content_type=XLSX_CONTENT_TYPE,
    )
    filename = f"coverage-{form.slug}-{place.pk}-{period.year}-{period.as_of.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@login_required
def recompute(request: HttpRequest) -> HttpResponse:
    """A county user asks for fresh snapshots; the answer is the run's progress fragment."""
    _require_county_level(request)
    found = ReportingPeriod.from_params(request.POST)
    if found.errors:  # recompute exactly what was asked for, or nothing
        if request.htmx:
            return HttpResponseBadRequest(found.error)
        for error in found.errors:
            messages.error(request, error)
        return redirect("coverage:dashboard")
    period = found.period
    run = recompute_run_start(year=period.year, as_of=period.as_of, actor=request.user)
    run.refresh_from_db()
    if request.htmx:
        return render(request, "coverage/snippets/run.html", {"run": run})
    return redirect("coverage:run", pk=run.pk)


@require_GET
@login_required
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A recompute run's progress; the fragment polls itself until the run is finished."""
    _require_county_level(request)
    try:
        run = RecomputeRun.objects.get(pk=pk)
    except RecomputeRun.DoesNotExist:
        raise Http404 from None
    template = "coverage/snippets/run.html" if request.htmx else "coverage/run.html"
    return render(request, template, {"run": run})

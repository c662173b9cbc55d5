"""Pages of the top layer: the per-role home page and raise-as-a-finding."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from desk import selectors, services
from desk.raising import SOURCES
from healthpov.period import ReportingPeriod
from healthpov.places.scoping import get_visible_or_404, parse_id
from inspections.models import Campaign, Finding


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One home page per role: each shows the work that role starts from."""
    user = request.user
    if user.is_superuser or user.role == user.Role.ADMIN:
        return render(request, "desk/home_admin.html")
    if user.role == user.Role.INSPECTOR:
        groups = selectors.inspection_assignments(user)
        return render(request, "desk/home_inspector.html", {"groups": groups})
    period = ReportingPeriod.current()
    if user.is_county_level:
        rows = selectors.township_counts(user)
        snapshot_date, gaps = selectors.indicators_below_target(user.place, period)
        context = {
            "period": period,
            "tiles": selectors.work_tiles(user, selectors.COUNTY_WORK, period),
            "overdue_by_township": selectors.overdue_items_by_township(user),
            "snapshot_date": snapshot_date,
            "gaps": gaps,
            "rows": rows,
            "total": selectors.totals(rows),
            # A city or province user sees several counties: name each township's county.
            "show_parent": len({row.place.parent_id for row in rows}) > 1,
        }
        return render(request, "desk/home_county.html", context)
    work = (
        selectors.VILLAGE_DOCTOR_WORK
        if user.role == user.Role.VILLAGE_DOCTOR
        else selectors.TOWNSHIP_WORK
    )
    rows = selectors.village_counts(user)
    context = {
        "period": period,
        "tiles": selectors.work_tiles(user, work, period),
        "rows": rows,
        "total": selectors.totals(rows),
    }
    return render(request, "desk/home_township.html", context)


@login_required
@require_POST
def raise_finding(request: HttpRequest) -> HttpResponse:
    """One click from a registry page: the record becomes a finding of a running campaign."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("inspections:finding_list")
    source_kind = request.POST.get("source_kind", "")
    source = SOURCES.get(source_kind)
    source_id = parse_id(request.POST.get("source_id"))
    if source is None or source_id is None:
        raise Http404
    record = get_visible_or_404(source.model, request.user, pk=source_id)
    campaign = None
    if (campaign_id := parse_id(request.POST.get("campaign"))) is not None:
        campaign = get_visible_or_404(Campaign, request.user, pk=campaign_id)
    existing = Finding.objects.visible_to(request.user).filter(
        source_kind=source_kind, source_id=record.pk
    )
    if campaign is not None:
        existing = existing.filter(campaign=campaign)
    try:
        finding = services.finding_raise(
            source_kind=source_kind, record=record, campaign=campaign, actor=request.user
        )
    except ValidationError as exc:
        already = existing.order_by("-id").first()
        if already is not None:
            messages.info(request, _("This problem has already been raised in this campaign."))
            return redirect("inspections:finding_detail", pk=already.pk)
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("Problem raised as a finding."))
    return redirect("inspections:finding_detail", pk=finding.pk)

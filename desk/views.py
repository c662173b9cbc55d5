"""Pages of the top layer: the per-role home page, raise-as-a-finding and starting a year."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

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


class StartYearForm(forms.Form):
    year = forms.CharField(
        label=_("Year to start"),
        max_length=10,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric"}),
    )

    def clean_year(self) -> int:
        found = ReportingPeriod.from_params({"year": self.cleaned_data["year"]})
        if found.errors:
            raise ValidationError(found.errors[0])
        return found.period.year


@login_required
@require_http_methods(["GET", "POST"])
def start_year(request: HttpRequest) -> HttpResponse:
    """Administrators: give a year its own copy of the catalogues and yearly parameters in
    force there, to edit them (until then the newest earlier year's apply)."""
    user = request.user
    if not (user.is_superuser or user.role == user.Role.ADMIN):
        raise PermissionDenied
    form = StartYearForm(request.POST or None, initial={"year": ReportingPeriod.current().year + 1})
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        copied = services.year_start(year=year, actor=user)
        messages.success(
            request,
            _(
                "%(year)s started: %(diseases)s diseases, %(packages)s service packages,"
                " %(policies)s policies and %(targets)s targets copied; edit them in the admin."
            )
            % {
                "year": year,
                "diseases": copied["diseases"],
                "packages": copied["packages"],
                "policies": copied["policies"] + copied["treatment_policies"],
                "targets": copied["targets"],
            },
        )
        return redirect(f"{reverse('admin:signing_disease_changelist')}?year={year}")
    return render(request, "desk/start_year.html", {"form": form})

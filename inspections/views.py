"""Pages of the inspections app. Views parse and render; services decide and write."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from healthpov.accounts.models import User
from healthpov.accounts.uploads import uploaded_photo_response
from healthpov.db_routing import reads_replica
from healthpov.places.models import Place
from healthpov.places.scoping import (
    get_visible_or_404,
    id_for_page,
    places_visible_to,
)
from healthpov.service_errors import add_service_errors
from inspections import selectors, services
from inspections.forms import (
    CampaignForm,
    ChecklistItemForm,
    FindingForm,
    GroupForm,
    PhotoUploadForm,
)
from inspections.models import Campaign, Finding, FindingPhoto, InspectionGroup
from inspections.xlsx import Column, Sheet, xlsx_response


def _campaign_for_user_or_404(user: User, pk: int) -> Campaign:
    return get_visible_or_404(Campaign, user, pk=pk)


def _finding_for_user_or_404(user: User, pk: int) -> Finding:
    return get_visible_or_404(
        Finding.objects.select_related(
            "campaign", "place", "township", "institution", "checklist_item", "inspector"
        ),
        user,
        pk=pk,
    )


def _require_county(request: HttpRequest) -> None:
    if not request.user.is_county_level:
        raise PermissionDenied


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = selectors.campaigns_for(request.user)
    return render(request, "inspections/campaign_list.html", {"campaigns": campaigns})


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    _require_county(request)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        place = (
            request.user.place
            or places_visible_to(request.user).filter(level=Place.Level.COUNTY).first()
        )
        try:
            campaign = services.campaign_create(
                **form.cleaned_data, place=place, actor=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Campaign created."))
            return redirect("inspections:campaign_detail", pk=campaign.pk)
    return render(request, "inspections/form.html", {"form": form, "title": _("New campaign")})


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for_user_or_404(request.user, pk)
    groups = InspectionGroup.objects.filter(campaign=campaign).prefetch_related(
        "members", "places", "institutions"
    )
    findings = selectors.findings_for(request.user, campaign=campaign)[:20]
    return render(
        request,
        "inspections/campaign_detail.html",
        {
            "campaign": campaign,
            "groups": groups,
            "checklist": campaign.checklist_items.all(),
            "findings": findings,
            "may_record": request.user.is_county_level
            or campaign.groups.filter(members=request.user).exists()
            or (request.user.is_township_level and campaign.kind == Campaign.Kind.SELF_CHECK),
        },
    )


@login_required
def group_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require_county(request)
    campaign = _campaign_for_user_or_404(request.user, pk)
    return _group_form(request, campaign, None)


@login_required
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_county(request)
    group = get_visible_or_404(
        InspectionGroup.objects.select_related("campaign"), request.user, pk=pk
    )
    return _group_form(request, group.campaign, group)


def _group_form(
    request: HttpRequest, campaign: Campaign, group: InspectionGroup | None
) -> HttpResponse:
    initial = GroupForm.initial_for(group) if group else None
    form = GroupForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_save(
                campaign=campaign, group=group, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Inspection group saved."))
            return redirect("inspections:campaign_detail", pk=campaign.pk)
    return render(
        request,
        "inspections/form.html",
        {"form": form, "title": _("Inspection group"), "campaign": campaign},
    )


@login_required
def checklist_item_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require_county(request)
    campaign = _campaign_for_user_or_404(request.user, pk)
    next_number = (
        campaign.checklist_items.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    form = ChecklistItemForm(request.POST or None, initial={"number": next_number})
    if request.method == "POST" and form.is_valid():
        try:
            services.checklist_item_create(
                campaign=campaign, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Checklist item added."))
            return redirect("inspections:campaign_detail", pk=campaign.pk)
    return render(
        request,
        "inspections/form.html",
        {"form": form, "title": _("New checklist item"), "campaign": campaign},
    )


@login_required
def finding_list(request: HttpRequest) -> HttpResponse:
    campaign = township = None
    if (campaign_id := id_for_page(request, "campaign")) is not None:
        campaign = _campaign_for_user_or_404(request.user, campaign_id)
    townships = places_visible_to(request.user).filter(level=Place.Level.TOWNSHIP).order_by("path")
    if (township_id := id_for_page(request, "township")) is not None:
        township = townships.filter(pk=township_id).first()
    findings = selectors.findings_for(request.user, campaign=campaign, township=township)[:500]
    return render(
        request,
        "inspections/finding_list.html",
        {
            "findings": findings,
            "campaign": campaign,
            "township": township,
            "townships": townships,
            "campaigns": selectors.campaigns_for(request.user),
        },
    )


@login_required
def finding_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for_user_or_404(request.user, pk)
    form = FindingForm(
        request.POST or None, request.FILES or None, campaign=campaign, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            finding = services.finding_create(
                campaign=campaign,
                place=data["place"],
                institution=data["institution"],
                checklist_item=data["checklist_item"],
                category=data["category"],
                description=data["description"],
                person_times=data["person_times"],
                found_on=data["found_on"],
                household=data["household"],
                person=data["person"],
                photos=data["photos"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Finding recorded."))
            return redirect("inspections:finding_detail", pk=finding.pk)
    return render(request, "inspections/finding_form.html", {"form": form, "campaign": campaign})


@login_required
def finding_detail(
    request: HttpRequest, pk: int, template_name: str = "inspections/finding_detail.html"
) -> HttpResponse:
    """The finding with its photos; the root URLconf (desk.urls) gives it a template that adds
    the remediation items."""
    finding = _finding_for_user_or_404(request.user, pk)
    return render(
        request,
        template_name,
        {"finding": finding, "photos": finding.photos.all(), "photo_form": PhotoUploadForm()},
    )


@login_required
@require_POST
def finding_photos_add(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding_for_user_or_404(request.user, pk)
    form = PhotoUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.finding_add_photos(
                finding=finding, photos=form.cleaned_data["photos"], actor=request.user
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Photos added."))
    else:
        messages.error(request, _("Choose at least one photo."))
    return redirect("inspections:finding_detail", pk=finding.pk)


@login_required
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """Serve an evidence photo only to users who may see its finding."""
    return uploaded_photo_response(
        request.user, get_visible_or_404(FindingPhoto, request.user, pk=pk)
    )


def _report_context(request: HttpRequest, campaign: Campaign) -> dict:
    return {
        "campaign": campaign,
        "townships": selectors.township_scores(campaign, request.user),
        "institutions": selectors.institution_scores(campaign, request.user),
        "checklist": selectors.checklist_summary(campaign, request.user),
        "categories": selectors.category_summary(campaign, request.user),
    }


@reads_replica
@login_required
def campaign_report(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for_user_or_404(request.user, pk)
    return render(request, "inspections/campaign_report.html", _report_context(request, campaign))


@reads_replica
@login_required
def campaign_report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_for_user_or_404(request.user, pk)
    ctx = _report_context(request, campaign)
    period = f"{campaign.starts_on:%Y-%m-%d}—{campaign.ends_on:%Y-%m-%d}"
    exported = _("Exported on %(date)s") % {"date": f"{timezone.localdate():%Y-%m-%d}"}
    subtitle = f"{campaign.document_number}  {period}  {exported}"
    score_columns = [
        Column(pgettext("scored unit", "Name"), 24),
        Column(_("Findings"), 10, group=_("Deductions")),
        Column(_("Person-times"), 10, group=_("Deductions")),
        Column(_("Points deducted"), 12, group=_("Deductions")),
        Column(_("Score"), 10),
    ]
    score_sheets = [
        (_("scores by township"), pgettext("scores", "Townships"), ctx["townships"]),
        (_("scores by institution"), pgettext("scores", "Institutions"), ctx["institutions"]),
    ]
    sheets = [
        Sheet(
            title=f"{campaign.name} {title}",
            subtitle=subtitle,
            name=name,
            columns=score_columns,
            rows=[(r.name, r.findings, r.person_times, r.deductions, r.score) for r in rows],
        )
        for title, name, rows in score_sheets
    ]
    sheets.append(
        Sheet(
            title=_("%(campaign)s findings") % {"campaign": campaign.name},
            subtitle=subtitle,
            name=pgettext("page title", "Findings"),
            columns=[
                Column(_("Township"), 12),
                Column(_("Place"), 12),
                Column(_("Institution"), 18),
                Column(_("Item or category"), 30),
                Column(_("Description"), 40),
                Column(_("Person-times"), 8),
                Column(_("Points deducted"), 10),
                Column(_("Date found"), 12),
                Column(_("Inspector"), 12),
            ],
            rows=[
                (
                    f.township.name,
                    f.place.name,
                    f.institution.name if f.institution else "",
                    f.kind_label,
                    f.description,
                    f.person_times,
                    f.deduction,
                    f.found_on,
                    f.inspector.last_name or f.inspector.username,
                )
                for f in selectors.findings_for(request.user, campaign=campaign)
            ],
        )
    )
    return xlsx_response(sheets, _("%(campaign)s report.xlsx") % {"campaign": campaign.name})

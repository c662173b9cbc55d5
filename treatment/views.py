"""Pages of the treatment app: thin callers of selectors (reads) and services (writes)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from healthpov.accounts.models import User
from healthpov.accounts.uploads import uploaded_file_response
from healthpov.paging import CountedPaginator
from healthpov.period import period_for_page
from healthpov.places.models import Institution
from healthpov.places.scoping import get_visible_or_404, hospitals_choosable_by, id_for_page
from healthpov.service_errors import add_service_errors
from households.models import Person
from treatment import selectors, services
from treatment.forms import CallForm, CaseForm, RefusalForm, StayForm
from treatment.models import CaseStatus, InpatientStay, MajorIllnessCase, TreatmentPolicy
from treatment.proofs import sniff_content_type

PAGE_SIZE = 50


# --- access helpers -----------------------------------------------------------------------


def _case_for_user_or_404(user: User, pk: int, *, edit: bool = False) -> MajorIllnessCase:
    """The one access helper for cases: 404 outside the user's places, 403 if read-only."""
    case = get_visible_or_404(
        MajorIllnessCase.objects.select_related(
            "person__household__village", "person__household__township", "disease", "hospital"
        ),
        user,
        pk=pk,
    )
    if edit and not user.can_edit_registry:
        raise PermissionDenied
    return case


def _require_editor(user: User) -> None:
    if not user.can_edit_registry:
        raise PermissionDenied


def _person_from_query_or_404(request: HttpRequest) -> Person | None:
    raw = request.GET.get("person") or request.POST.get("person")
    if not raw:
        return None
    return get_visible_or_404(Person.objects.select_related("household"), request.user, pk=raw)


def _township_id(request: HttpRequest) -> int | None:
    """An optional township narrowing a list; the list stays scoped to the user's places."""
    return id_for_page(request, "township")


def _render(request: HttpRequest, page: str, fragment: str, context: dict) -> HttpResponse:
    """The whole page, or only the named fragment when HTMX asks for it."""
    htmx = getattr(request, "htmx", None)
    # A history restore (back button after hx-push-url) needs the whole page.
    template = fragment if htmx and not htmx.history_restore_request else page
    return render(request, template, context)


def _hospital_names(user) -> list[str]:
    kinds = [
        Institution.Kind.COUNTY_HOSPITAL,
        Institution.Kind.DESIGNATED_HOSPITAL,
        Institution.Kind.HEALTH_CENTRE,
    ]
    hospitals = hospitals_choosable_by(user).filter(kind__in=kinds)
    return list(hospitals.values_list("name", flat=True))


# --- cases --------------------------------------------------------------------------------


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    year = period_for_page(request).year
    status = request.GET.get("status") or ""
    if status not in [*CaseStatus.values, "counted_treated"]:
        status = ""
    township = _township_id(request)
    cases = selectors.case_list(
        request.user, year=year, status=status or None, township_id=township
    )
    counts = selectors.case_status_counts(request.user, year=year)
    # Without a township the list is the cases the status counts count (of one status, or
    # all): its total is one of them, no COUNT(*). "counted_treated" is not one of them.
    total = None if township else counts.by_status.get(status) if status else counts.total
    if total is None:
        paginator = Paginator(cases, PAGE_SIZE)
    else:
        paginator = CountedPaginator(cases, PAGE_SIZE, count=total)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "year": year,
        "status": status,
        "statuses": CaseStatus.choices,
        "counts": counts.by_status,
        "figures": selectors.case_figures(selectors.cases_of_year(request.user, year)),
        "page": page,
    }
    return _render(
        request, "treatment/case_list.html", "treatment/snippets/case_table.html", context
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_user_or_404(request.user, pk)
    return render(
        request,
        "treatment/case_detail.html",
        {
            "case": case,
            "timeline": selectors.case_timeline(case),
            "call_form": CallForm(initial={"called_on": timezone.localdate()}),
            "can_edit": request.user.can_edit_registry,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    _require_editor(request.user)
    person = _person_from_query_or_404(request)
    form = CaseForm(request.POST or None, user=request.user, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_create(
                person=form.person,
                disease=data["disease"],
                screening_date=data["screening_date"],
                hospital_name=data["hospital_name"],
                status=data["status"],
                treatment_date=data["treatment_date"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The case was recorded."))
            return redirect("treatment:case_detail", pk=case.pk)
    return render(
        request,
        "treatment/case_form.html",
        {"form": form, "person": form.person, "hospital_names": _hospital_names(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_user_or_404(request.user, pk, edit=True)
    initial = {
        "disease": case.disease_id,
        "screening_date": case.screening_date,
        "hospital_name": case.hospital_display,
        "status": case.status,
        "treatment_date": case.treatment_date,
        "note": case.note,
    }
    form = CaseForm(
        request.POST or None,
        initial=initial,
        user=request.user,
        person=case.person,
        year=case.year,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.case_update(
                case=case,
                disease=data["disease"],
                screening_date=data["screening_date"],
                hospital=None,
                hospital_name=data["hospital_name"],
                status=data["status"],
                treatment_date=data["treatment_date"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The case was updated."))
            return redirect("treatment:case_detail", pk=case.pk)
    return render(
        request,
        "treatment/case_form.html",
        {
            "form": form,
            "case": case,
            "person": case.person,
            "hospital_names": _hospital_names(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_user_or_404(request.user, pk, edit=True)
    form = RefusalForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.case_record_refusal(
                case=case,
                reason=data["reason"],
                note=data["note"],
                proof=data["proof"] or None,
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            if "refusal_proof" in getattr(error, "message_dict", {}):
                form.add_error("proof", error.message_dict["refusal_proof"])
        else:
            messages.success(request, _("The refusal and its proof were recorded."))
            return redirect("treatment:case_detail", pk=case.pk)
    return render(request, "treatment/refusal_form.html", {"form": form, "case": case})


@login_required
def refusal_proof(request: HttpRequest, pk: int) -> FileResponse:
    """The proof file, only to users who may see the case and may download what its uploader
    sent (:mod:`healthpov.accounts.uploads`); never a public media URL."""
    case = _case_for_user_or_404(request.user, pk)
    if not case.refusal_proof:
        raise Http404
    with case.refusal_proof.open("rb") as handle:
        content_type = sniff_content_type(handle.read(16)) or "application/octet-stream"
    extension = case.refusal_proof.name.rsplit(".", 1)[-1]
    return uploaded_file_response(
        request.user,
        case.refusal_proof,
        uploaded_by_id=case.refusal_proof_by_id,
        content_type=content_type,
        filename=f"refusal-proof-{case.pk}.{extension}",
        # Photos (re-encoded by us) are shown; a PDF may carry scripts: saved, never shown here.
        as_attachment=content_type not in {"image/jpeg", "image/png"},
    )


@login_required
@require_http_methods(["POST"])
def call_create(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_user_or_404(request.user, pk, edit=True)
    form = CallForm(request.POST)
    if form.is_valid():
        try:
            services.call_record(
                case=case,
                called_on=form.cleaned_data["called_on"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The follow-up call was recorded."))
            return redirect("treatment:case_detail", pk=case.pk)
    return render(
        request,
        "treatment/case_detail.html",
        {
            "case": case,
            "timeline": selectors.case_timeline(case),
            "call_form": form,
            "can_edit": True,
        },
        status=200 if request.htmx else 400,
    )


@login_required
def no_call_list(request: HttpRequest) -> HttpResponse:
    as_of = period_for_page(request).as_of
    cases = selectors.cases_without_recent_call(request.user, as_of=as_of)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(
        request,
        "treatment/no_call_list.html",
        "treatment/snippets/no_call_table.html",
        {"as_of": as_of, "page": page, "days": selectors.NO_CALL_DAYS},
    )


# --- stays --------------------------------------------------------------------------------


@login_required
def stay_list(request: HttpRequest) -> HttpResponse:
    year = period_for_page(request).year
    only_breaches = request.GET.get("breach") == "1"
    cap = TreatmentPolicy.for_year(year).personal_share_cap
    township = _township_id(request)
    stays = selectors.stays_of_year(request.user, year, township_id=township)
    figures = selectors.stay_figures(stays, cap=cap)
    if only_breaches:
        stays = stays.filter(InpatientStay.breach_q(cap))
    stays = selectors.stays_with_breaches(
        stays.select_related("person__household__village", "hospital"), cap=cap
    )
    # The list is the stays the figures count, or those of them with a breach: no COUNT(*).
    total = figures.breaches if only_breaches else figures.stays
    page = CountedPaginator(stays, PAGE_SIZE, count=total).get_page(request.GET.get("page"))
    return _render(
        request,
        "treatment/stay_list.html",
        "treatment/snippets/stay_table.html",
        {
            "year": year,
            "cap": cap,
            "figures": figures,
            "page": page,
            "only_breaches": only_breaches,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def stay_create(request: HttpRequest) -> HttpResponse:
    _require_editor(request.user)
    person = _person_from_query_or_404(request)
    form = StayForm(
        request.POST or None,
        user=request.user,
        person=person,
        initial={"in_county": True, "one_stop": True},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {k: v for k, v in data.items() if k != "id_number"}
        try:
            stay = services.stay_record(person=form.person, actor=request.user, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The inpatient stay was recorded."))
            return redirect(f"{reverse('treatment:stay_list')}?year={stay.discharged_on.year}")
    return render(
        request,
        "treatment/stay_form.html",
        {"form": form, "person": form.person, "hospital_names": _hospital_names(request.user)},
    )


# --- reports ------------------------------------------------------------------------------


@login_required
def township_summary(request: HttpRequest) -> HttpResponse:
    period = period_for_page(request)
    year, as_of = period.year, period.as_of
    policy = TreatmentPolicy.for_year(year)
    rows = selectors.township_summary(request.user, year=year, as_of=as_of)
    total_cases = selectors.case_figures(selectors.cases_of_year(request.user, year, as_of))
    total_stays = selectors.stay_figures(
        selectors.stays_of_year(request.user, year, as_of), cap=policy.personal_share_cap
    )
    return render(
        request,
        "treatment/township_summary.html",
        {
            "year": year,
            "as_of": as_of,
            "policy": policy,
            "rows": rows,
            "total_cases": total_cases,
            "total_stays": total_stays,
        },
    )


@login_required
def risk_watch(request: HttpRequest) -> HttpResponse:
    as_of = period_for_page(request).as_of
    watch = selectors.return_to_poverty_watch(request.user, as_of=as_of)
    latest = InpatientStay.objects.visible_to(request.user).aggregate(d=Max("discharged_on"))["d"]
    return render(
        request, "treatment/risk_watch.html", {"watch": watch, "latest_discharge": latest}
    )

"""Staff pages of the registry. Thin: access helpers, forms, then a service or a selector."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from healthpov.accounts.models import User
from healthpov.accounts.uploads import uploaded_file_download_allow
from healthpov.db_routing import reads_replica
from healthpov.exports import (
    XLSX_CONTENT_TYPE,
    personal_xlsx_response,
    reveal_requested,
)
from healthpov.operations.dispatch import enqueue
from healthpov.paging import CountingPaginator
from healthpov.period import period_for_page
from healthpov.places.scoping import get_visible_or_404, id_for_page
from healthpov.service_errors import ServiceConflict
from households import selectors, services, tasks
from households.forms import (
    ApplyForm,
    HouseholdForm,
    IdSearchForm,
    PersonForm,
    PersonStatusForm,
    SearchForm,
    UploadForm,
)
from households.idnumber import looks_like_id_number, normalise_id_text
from households.imports import build_error_report, group_errors, ledger_kinds
from households.models import Household, ImportBatch, Person

PAGE_SIZE = 50
# Error groups shown on an import's page; the workbook of errors marks every row.
ERROR_GROUPS_SHOWN = 100


# ------------------------------------------------------------------ access


def _household_for_user_or_404(user: User, pk: int, *, edit: bool = False) -> Household:
    household = get_visible_or_404(
        Household.objects.select_related("village", "township"), user, pk=pk
    )
    if edit and not user.can_edit_registry:
        raise PermissionDenied
    return household


def _person_for_user_or_404(user: User, pk: int, *, edit: bool = False) -> Person:
    person = get_visible_or_404(Person.objects.select_related("household"), user, pk=pk)
    if edit and not user.can_edit_registry:
        raise PermissionDenied
    return person


def _batch_for_user_or_404(user: User, pk: int) -> ImportBatch:
    return get_visible_or_404(ImportBatch, user, pk=pk)


def _may_import(user) -> bool:
    return user.can_edit_registry or user.is_county_level


# ------------------------------------------------------------------ search


def _filters(
    request: HttpRequest, params, form: SearchForm | None = None
) -> selectors.PersonFilters:
    """The roster's filters from ``params`` (through ``form``, a ``SearchForm`` of them, when
    the page shows that form too)."""
    form = SearchForm(params) if form is None else form
    form.is_valid()  # a bad field is left out; the valid ones still filter
    data = form.cleaned_data
    return selectors.PersonFilters(
        q=data.get("q") or "",
        village_id=id_for_page(request, "village", params),
        township_id=id_for_page(request, "township", params),
        status=data.get("status") or "",
        poverty_status=data.get("poverty_status") or "",
    )


def _search_url(filters: selectors.PersonFilters) -> str:
    query = filters.query_string()
    return reverse("households:search") + (f"?{query}" if query else "")


@login_required
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """The roster: filters in the query string; an ID number only ever in a POST body.

    The filter form is posted and its filters sent on to the query string (bookmarks, pages),
    except an ID number typed into the name box: that is searched like the ID search, and the
    address bar is left alone. An ID-shaped name in a query string is dropped, never echoed.
    """
    push_url = ""
    search_form = SearchForm(request.GET)  # the page's filter form
    if request.method == "POST" and "id_number" not in request.POST:
        filters = _filters(request, request.POST)
        if looks_like_id_number(filters.q):
            filters.id_number, filters.q = normalise_id_text(filters.q), ""
            push_url = "false"
        else:
            push_url = _search_url(filters)
            if not request.htmx:
                return HttpResponseRedirect(push_url, status=303)
    else:
        filters = _filters(request, request.GET, search_form)
        if looks_like_id_number(filters.q):
            filters.q = ""
            return HttpResponseRedirect(_search_url(filters), status=303)
        if request.method == "POST":
            id_form = IdSearchForm(request.POST)
            if id_form.is_valid():
                filters.id_number = id_form.cleaned_data["id_number"]
    persons = selectors.person_search(user=request.user, filters=filters)
    # A name or number searched for, or a person status, leaves few rows spread thin over the
    # roster's order: reading the page would go over as many rows as the count, so both ride
    # in one query (docs/architecture.md "Performance choices").
    paginator = CountingPaginator if filters.q or filters.status else Paginator
    rows = selectors.roster_rows(persons)
    context = {
        "page": paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "filters": filters,
        "query": filters.query_string(),
    }
    if request.htmx:
        response = render(request, "households/snippets/results.html", context)
    else:
        places = selectors.roster_places(request.user)
        context |= {
            "search_form": search_form,
            "villages": places.villages,
            "townships": places.townships,
        }
        response = render(request, "households/search.html", context)
    if push_url:
        response["HX-Push-Url"] = push_url
    return response


@reads_replica
@login_required
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    """The filtered roster as .xlsx in the roster file's columns, so it can be imported again.
    ID numbers and phones are masked unless a user who may reveal them POSTs ``reveal=1``
    (recorded in the audit)."""
    reveal = reveal_requested(request)
    filters = _filters(request, request.GET)
    if looks_like_id_number(filters.q):
        filters.q = ""
    persons = selectors.person_search(user=request.user, filters=filters)
    rows = selectors.roster_export_rows(persons=persons, reveal=reveal)
    return personal_xlsx_response(
        request, "花名册.xlsx", selectors.EXPORT_HEADERS, rows, reveal=reveal, sheet_title="花名册"
    )


# --------------------------------------------------------------- case file


@login_required
def household_detail(
    request: HttpRequest, pk: int, template_name: str = "households/household_detail.html"
) -> HttpResponse:
    """The household's case file; the root URLconf (desk.urls) gives it a template that adds
    the signing and treatment sections."""
    household = _household_for_user_or_404(request.user, pk)
    case_file = selectors.household_case_file(household=household)
    # The sections of other apps show the records of this year (the working year by default).
    period = period_for_page(request)
    return render(
        request,
        template_name,
        {
            "household": household,
            "members": case_file.members,
            "case_file": case_file,
            "period": period,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    if not request.user.can_edit_registry:
        # Bureau users read the registry; townships keep it.
        messages.error(request, _("Only township staff enter households."))
        return redirect("households:search")
    form = HouseholdForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        household = services.household_save(household=form.save(commit=False), actor=request.user)
        messages.success(
            request, _("Household %(number)s was saved.") % {"number": household.number}
        )
        return redirect("households:household_detail", pk=household.pk)
    return render(request, "households/form.html", {"form": form, "title": _("New household")})


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for_user_or_404(request.user, pk, edit=True)
    form = HouseholdForm(request.POST or None, instance=household, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.household_save(household=form.save(commit=False), actor=request.user)
        messages.success(
            request, _("Household %(number)s was saved.") % {"number": household.number}
        )
        return redirect("households:household_detail", pk=household.pk)
    return render(
        request,
        "households/form.html",
        {"form": form, "title": _("Edit household"), "household": household},
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for_user_or_404(request.user, pk, edit=True)
    form = PersonForm(request.POST or None, instance=Person(household=household))
    if request.method == "POST" and form.is_valid():
        services.person_save(person=form.save(commit=False), actor=request.user)
        messages.success(request, _("%(name)s was added.") % {"name": form.instance.name})
        return redirect("households:household_detail", pk=household.pk)
    return render(
        request,
        "households/form.html",
        {"form": form, "title": _("New member"), "household": household},
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for_user_or_404(request.user, pk, edit=True)
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        services.person_save(person=form.save(commit=False), actor=request.user)
        messages.success(request, _("%(name)s was saved.") % {"name": person.name})
        return redirect("households:household_detail", pk=person.household_id)
    return render(
        request,
        "households/form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": person.name},
            "household": person.household,
            "person": person,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_status(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for_user_or_404(request.user, pk, edit=True)
    form = PersonStatusForm(request.POST or None, initial={"status": person.status})
    if request.method == "POST" and form.is_valid():
        services.person_change_status(person=person, actor=request.user, **form.cleaned_data)
        messages.success(request, _("The status of %(name)s was changed.") % {"name": person.name})
        return redirect("households:household_detail", pk=person.household_id)
    return render(
        request,
        "households/form.html",
        {
            "form": form,
            "title": _("Change the status of %(name)s") % {"name": person.name},
            "household": person.household,
        },
    )


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one person's full ID number and phone (POST only, audited)."""
    person = _person_for_user_or_404(request.user, pk)
    if not request.user.may_reveal_personal_data:
        raise PermissionDenied
    services.personal_data_reveal(
        person=person, household=person.household, field="id_number,phone", actor=request.user
    )
    return render(
        request,
        "households/snippets/revealed.html",
        {"id_number": person.id_number, "phone": person.phone},
    )


@login_required
@require_POST
def household_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for_user_or_404(request.user, pk)
    if not request.user.may_reveal_personal_data:
        raise PermissionDenied
    services.personal_data_reveal(
        person=None, household=household, field="phone", actor=request.user
    )
    return render(request, "households/snippets/revealed.html", {"phone": household.phone})


# ----------------------------------------------------------------- imports


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    if not _may_import(request.user):
        raise PermissionDenied
    kinds = [(kind, str(ledger.label)) for kind, ledger in ledger_kinds().items()]
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        options = (
            {"year": form.cleaned_data["year"]}
            if kind == "roster" and form.cleaned_data["year"]
            else {}
        )
        with transaction.atomic():
            batch = services.import_batch_create(
                kind=kind,
                uploaded_file=form.cleaned_data["file"],
                actor=request.user,
                options=options,
            )
            enqueue(tasks.check_import_batch, batch.pk)  # kept if Redis is down
        return redirect("households:import_detail", pk=batch.pk)
    batches = list(selectors.import_batches_visible_to(request.user)[:20])
    labels = dict(kinds)
    for batch in batches:
        batch.kind_label = labels.get(batch.kind, batch.kind)
    return render(request, "households/import_upload.html", {"form": form, "batches": batches})


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_user_or_404(request.user, pk)
    earlier = (
        selectors.import_batches_visible_to(request.user)
        .filter(sha256=batch.sha256, kind=batch.kind, status=ImportBatch.Status.APPLIED)
        .exclude(pk=batch.pk)
        .first()
    )
    groups = group_errors(batch.errors)
    context = {
        "batch": batch,
        "apply_form": ApplyForm(),
        "earlier": earlier,
        "error_groups": groups[:ERROR_GROUPS_SHOWN],
        "error_groups_hidden": max(len(groups) - ERROR_GROUPS_SHOWN, 0),
        "leavers": (batch.preview or {}).get("leavers") or {},
        "leaver_townships": selectors.import_leavers(batch=batch, user=request.user),
        "may_undo": request.user.is_county_level
        and batch.undoable
        and batch.status == ImportBatch.Status.APPLIED,
    }
    if request.htmx:
        return render(request, "households/snippets/import_status.html", context)
    return render(request, "households/import_detail.html", context)


@login_required
@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_user_or_404(request.user, pk)
    if not _may_import(request.user):
        raise PermissionDenied
    form = ApplyForm(request.POST)
    form.is_valid()
    valid_rows_only = bool(form.cleaned_data.get("valid_rows_only"))
    typed = form.cleaned_data.get("confirm_leavers") or ""
    if batch.status != ImportBatch.Status.CHECKED or (batch.error_count and not valid_rows_only):
        messages.error(request, _("This file has errors; nothing was imported."))
        return redirect("households:import_detail", pk=batch.pk)
    refusal = services.import_batch_leavers_refusal(batch=batch, confirm_leavers=typed)
    if refusal:
        messages.error(request, refusal)
        return redirect("households:import_detail", pk=batch.pk)
    confirm_leavers = int(typed) if typed.strip().isdigit() else None
    enqueue(
        tasks.apply_import_batch,
        batch.pk,
        request.user.pk,
        valid_rows_only,
        confirm_leavers,
        after_commit=False,
    )
    return redirect("households:import_detail", pk=batch.pk)


@login_required
@require_POST
def import_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo an applied roster batch (county users)."""
    batch = _batch_for_user_or_404(request.user, pk)
    if not request.user.is_county_level:
        raise PermissionDenied
    try:
        services.roster_batch_undo(batch=batch, actor=request.user)
    except ServiceConflict as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("The import was undone; the roster is back as it was."))
    return redirect("households:import_detail", pk=batch.pk)


@login_required
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The uploaded workbook back with bad cells highlighted and a message column."""
    batch = _batch_for_user_or_404(request.user, pk)
    counts = batch.counts or {}
    if not batch.errors or not counts.get("sheet_name"):
        raise Http404
    uploaded_file_download_allow(
        user=request.user, uploaded_by_id=batch.created_by_id, file_name=batch.file.name
    )
    data = build_error_report(
        Path(batch.file.path),
        file_format=counts["file_format"],
        sheet_name=counts["sheet_name"],
        header_row=counts["header_row"],
        errors=batch.errors,
    )
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    name = f"{Path(batch.original_name).stem}-错误说明.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response

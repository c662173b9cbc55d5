"""Pages of the remediation app. Views parse and render; services decide and write."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from healthpov.accounts.models import User
from healthpov.db_routing import reads_replica
from healthpov.places.scoping import get_visible_or_404
from healthpov.service_errors import add_service_errors
from inspections.models import Finding
from inspections.xlsx import Column, Sheet, xlsx_response
from remediation import selectors, services
from remediation.evidence import evidence_response, is_pdf
from remediation.forms import (
    AccountabilityForm,
    FeedbackItemForm,
    FilterForm,
    ItemForm,
    RevisitForm,
    TransitionForm,
)
from remediation.models import (
    Item,
    ItemEvidence,
    ItemSource,
    ItemState,
    ItemTransition,
    ProgressReport,
    Revisit,
)

LIST_LIMIT = 1000


def _item_for_user_or_404(user: User, pk: int) -> Item:
    return get_visible_or_404(
        Item.objects.select_related(
            "place", "township", "responsible_institution", "finding__campaign", "reopened_from"
        ),
        user,
        pk=pk,
    )


def _require_county(request: HttpRequest) -> None:
    if not request.user.is_county_level:
        raise PermissionDenied


def _list_kind(kind: str) -> tuple[str, list]:
    if kind not in selectors.LISTS:
        raise Http404
    return selectors.LISTS[kind]


def _filtered_items(request: HttpRequest):
    form = FilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, selectors.items_for(request.user, filters)


@login_required
def item_list(request: HttpRequest, kind: str = "ledger") -> HttpResponse:
    title, columns = _list_kind(kind)
    form, items = _filtered_items(request)
    items = list(items[:LIST_LIMIT])
    rows = [(item, [column.value(item) for column in columns]) for item in items]
    context = {
        "kind": kind,
        "title": title,
        "columns": columns,
        "rows": rows,
        "form": form,
        "lists": [(k, t) for k, (t, _cols) in selectors.LISTS.items()],
        "counts": selectors.state_counts(request.user),
        "query": request.GET.urlencode(),
    }
    if request.htmx:
        return render(request, "remediation/snippets/item_table.html", context)
    return render(request, "remediation/item_list.html", context)


@reads_replica
@login_required
def item_list_xlsx(request: HttpRequest, kind: str) -> HttpResponse:
    title, columns = _list_kind(kind)
    _form, items = _filtered_items(request)
    exported = _("Exported on %(date)s") % {"date": f"{timezone.localdate():%Y-%m-%d}"}
    sheet = Sheet(
        title=str(title),
        subtitle=exported,
        name=str(title),
        columns=[Column(str(c.header), c.width, str(c.group)) for c in columns],
        rows=([c.value(item) for c in columns] for item in items),
    )
    return xlsx_response([sheet], f"{title}.xlsx")


def _save_item(request: HttpRequest, form, **extra) -> Item | None:
    data = {k: v for k, v in form.cleaned_data.items() if k not in {"feedback_document", "place"}}
    try:
        return services.item_create(actor=request.user, **data, **extra)
    except ValidationError as exc:
        add_service_errors(form, exc)
    return None


@login_required
def item_create(request: HttpRequest) -> HttpResponse:
    """An item from a higher level's feedback (上级反馈), with its document number."""
    _require_county(request)
    form = FeedbackItemForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        item = _save_item(
            request,
            form,
            source=ItemSource.FEEDBACK,
            place=form.cleaned_data["place"],
            feedback_document=form.cleaned_data["feedback_document"],
        )
        if item:
            messages.success(request, _("Item put on the ledger."))
            return redirect("remediation:item_detail", pk=item.pk)
    return render(
        request, "remediation/item_form.html", {"form": form, "title": _("New item from feedback")}
    )


@login_required
def item_create_from_finding(request: HttpRequest, pk: int) -> HttpResponse:
    _require_county(request)
    finding = get_visible_or_404(
        Finding.objects.select_related("campaign", "place"), request.user, pk=pk
    )
    initial = {"problem": finding.description, "responsible_institution": finding.institution}
    form = ItemForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        item = _save_item(
            request, form, source=ItemSource.FINDING, finding=finding, place=finding.place
        )
        if item:
            messages.success(request, _("Item put on the ledger."))
            return redirect("remediation:item_detail", pk=item.pk)
    return render(
        request,
        "remediation/item_form.html",
        {"form": form, "finding": finding, "title": _("Put the finding on the ledger")},
    )


def _allowed_actions(item: Item, user) -> list[str]:
    actions = []
    for action, (from_state, _to) in services.TRANSITIONS.items():
        if item.state != from_state:
            continue
        if action in {ItemTransition.Action.START, ItemTransition.Action.SUBMIT}:
            if user.is_county_level or user.is_township_level:
                actions.append(action)
        elif user.is_county_level and not (
            action == ItemTransition.Action.CLOSE and item.submitted_by_id == user.pk
        ):
            actions.append(action)
    return actions


def _detail_context(request: HttpRequest, item: Item) -> dict:
    evidence = list(item.evidence.all())
    return {
        "item": item,
        "transitions": item.transitions.select_related("actor"),
        "evidence": [(e, is_pdf(e)) for e in evidence],
        "actions": _allowed_actions(item, request.user),
        # Meant for county users only: a township user who submitted is told so by the state.
        "own_submission": request.user.is_county_level
        and item.state == ItemState.SUBMITTED
        and item.submitted_by_id == request.user.pk,
        "reopenings": Item.objects.visible_to(request.user).filter(reopened_from=item),
    }


@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_for_user_or_404(request.user, pk)
    return render(request, "remediation/item_detail.html", _detail_context(request, item))


@login_required
@require_POST
def item_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """One step of an item. A refused step shows the page again with what was typed (files
    cannot be kept by a browser: the message asks for them again)."""
    item = _item_for_user_or_404(request.user, pk)
    form = TransitionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("The request was incomplete; nothing was saved."))
        return redirect("remediation:item_detail", pk=item.pk)
    data = form.cleaned_data
    try:
        services.item_transition(
            item_id=item.pk,
            action=data["action"],
            expected_state=data["expected_state"],
            note=data["note"],
            photos=data["photos"],
            actor=request.user,
        )
    except PermissionError as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    except services.TransitionError as exc:  # the item moved on: the page must be reloaded
        for message in exc.messages:
            messages.error(request, message)
    except ValidationError as exc:
        context = _detail_context(request, _item_for_user_or_404(request.user, pk))
        context["posted"] = {
            "action": data["action"],
            "note": data["note"],
            "errors": exc.messages,
            "had_files": bool(data["photos"]),
        }
        return render(request, "remediation/item_detail.html", context, status=400)
    else:
        messages.success(
            request,
            _("Done: %(action)s.") % {"action": ItemTransition.Action(data["action"]).label},
        )
    return redirect("remediation:item_detail", pk=item.pk)


@login_required
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    return evidence_response(request.user, get_visible_or_404(ItemEvidence, request.user, pk=pk))


# --- accountability ------------------------------------------------------------------------


def _accountability_rows(request: HttpRequest):
    return selectors.accountability_for(request.user)


@login_required
def accountability_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "remediation/accountability_list.html", {"records": _accountability_rows(request)}
    )


@reads_replica
@login_required
def accountability_xlsx(request: HttpRequest) -> HttpResponse:
    sheet = Sheet(
        title=_("Accountability list"),
        subtitle=_("Exported on %(date)s") % {"date": f"{timezone.localdate():%Y-%m-%d}"},
        name=_("Accountability list"),
        columns=[
            Column(_("Kind"), 10),
            Column(_("Township"), 10, _("Unit")),
            Column(_("Institution"), 18, _("Unit")),
            Column(_("Person responsible"), 12),
            Column(_("Document number"), 20),
            Column(_("Date"), 12),
            Column(_("Reason"), 40),
            Column(_("Items"), 8),
        ],
        rows=[
            (
                r.get_kind_display(),
                r.place.name,
                r.institution.name if r.institution else "",
                r.person_named,
                r.document_number,
                r.held_on,
                r.reason,
                r.item_count,
            )
            for r in _accountability_rows(request)
        ],
    )
    return xlsx_response([sheet], _("Accountability list") + ".xlsx")


@login_required
def accountability_create(request: HttpRequest) -> HttpResponse:
    _require_county(request)
    form = AccountabilityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.accountability_record(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Recorded."))
            return redirect("remediation:accountability_list")
    return render(
        request,
        "remediation/item_form.html",
        {"form": form, "title": _("Record a notice or a talk")},
    )


# --- reports and revisits ------------------------------------------------------------------


@reads_replica
@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "remediation/report_list.html", {"reports": selectors.reports_for(request.user)}
    )


@reads_replica
@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_visible_or_404(ProgressReport, request.user, pk=pk)
    return render(request, "remediation/report_detail.html", {"report": report})


REPORT_KEYS = [
    "total",
    "new_in_period",
    "closed_in_period",
    "on_ledger",
    "in_progress",
    "submitted",
    "closed",
    "overdue",
]


@reads_replica
@login_required
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_visible_or_404(ProgressReport, request.user, pk=pk)
    headers = [
        Column(_("Items"), 8),
        Column(_("New"), 8, _("This period")),
        Column(_("Closed"), 8, _("This period")),
        Column(_("On the ledger"), 8, _("By state")),
        Column(_("In progress"), 8, _("By state")),
        Column(_("Awaiting verification"), 10, _("By state")),
        Column(_("Closed"), 8, _("By state")),
        Column(pgettext("remediation", "Overdue"), 8),
    ]
    rows = [[t["township"], *[t[k] for k in REPORT_KEYS]] for t in report.data.get("townships", [])]
    totals = report.data.get("totals", {})
    rows.append([_("Total"), *[totals.get(k, 0) for k in REPORT_KEYS]])
    sheet = Sheet(
        title=_("%(county)s remediation progress (%(kind)s)")
        % {"county": report.place.name, "kind": report.get_kind_display()},
        subtitle=f"{report.period_start:%Y-%m-%d}—{report.period_end:%Y-%m-%d}",
        name=str(report.get_kind_display()),
        columns=[Column(_("Township"), 12), *headers],
        rows=rows,
    )
    return xlsx_response([sheet], f"{report}.xlsx")


@login_required
def revisit_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "remediation/revisit_list.html",
        {"revisits": selectors.revisits_for(request.user), "form": RevisitForm()},
    )


@login_required
@require_POST
def revisit_complete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_county(request)
    revisit = get_visible_or_404(Revisit, request.user, pk=pk)
    form = RevisitForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("remediation:revisit_list")
    try:
        done = services.revisit_complete(
            revisit_id=revisit.pk, actor=request.user, **form.cleaned_data
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("remediation:revisit_list")
    messages.success(request, _("Revisit recorded."))
    if done.new_item_id:
        return redirect("remediation:item_detail", pk=done.new_item_id)
    return redirect("remediation:revisit_list")

"""Staff pages of the signing app: the household section with its inline forms (HTMX), the
township work lists (filterable, exportable) and the printable household sheet."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from healthpov.accounts.models import User
from healthpov.db_routing import reads_replica
from healthpov.exports import (
    personal_value,
    personal_xlsx_response,
    reveal_requested,
)
from healthpov.paging import CountingPaginator, ListStatement, StatementPaginator
from healthpov.period import ReportingPeriod, period_for_page
from healthpov.places.models import Place, label_places
from healthpov.places.scoping import get_visible_or_404, id_for_page, places_visible_to
from healthpov.service_errors import add_service_errors
from households.models import Household
from signing import forms, selectors, services
from signing.followups import DUE, DUE_SOON, OVERDUE, next_due_on, set_status
from signing.models import BookletStatus, Contract, SpecialDiseaseDiagnosis

# --- access helpers --------------------------------------------------------------------------


def _household_for_user_or_404(user: User, pk: int, *, edit: bool = False) -> Household:
    household = get_visible_or_404(
        Household.objects.select_related("village", "township"), user, pk=pk
    )
    if edit and not user.can_edit_registry:
        raise PermissionDenied
    return household


def _diagnosis_for_user_or_404(
    user: User, pk: int, *, edit: bool = False
) -> SpecialDiseaseDiagnosis:
    diagnosis = get_visible_or_404(
        SpecialDiseaseDiagnosis.objects.select_related("person__household", "disease"),
        user,
        pk=pk,
    )
    if edit and not user.can_edit_registry:
        raise PermissionDenied
    return diagnosis


def _contract_for_user_or_404(user: User, pk: int, *, edit: bool = False) -> Contract:
    contract = get_visible_or_404(
        Contract.objects.select_related("person__household", "team", "package"),
        user,
        pk=pk,
    )
    if edit and not user.can_edit_registry:
        raise PermissionDenied
    return contract


def _period(request: HttpRequest) -> ReportingPeriod:
    """The period shown: ``?year=`` (or the posted year) and ``?as_of=``, the defaults of
    :mod:`healthpov.period` otherwise."""
    query = request.GET if request.GET.get("year") or request.method != "POST" else request.POST
    return period_for_page(request, query)


# --- the household section -------------------------------------------------------------------


def _section_context(household: Household, year: int, as_of: datetime.date) -> dict[str, Any]:
    return {
        "household": household,
        "year": year,
        "as_of": as_of,
        "records": selectors.household_records(household, year, as_of),
        "form_names": FORM_SPECS,
    }


@login_required
def household_section(request: HttpRequest, pk: int) -> HttpResponse:
    """The signing records of one household: a fragment for HTMX, else a page of its own."""
    household = _household_for_user_or_404(request.user, pk)
    period = _period(request)
    context = _section_context(household, period.year, period.as_of)
    if request.htmx:
        return render(request, "signing/snippets/section_body.html", context)
    return render(request, "signing/household.html", context)


@dataclass(frozen=True)
class FormSpec:
    form_class: type[forms.HouseholdForm]
    title: Any
    #: Calls the service with the form's cleaned data; returns what the service saved (a
    #: record, or a list of them for a service given to several persons).
    save: Callable[..., Any]
    success: Any


def _sign(form, user, year):
    data = form.cleaned_data
    return services.contract_sign(
        person=data["person"],
        year=year,
        signed_on=data["signed_on"],
        method=data["method"],
        team=data["team"],
        package=data["package"],
        doctor_name=data["doctor_name"],
        actor=user,
    )


def _unsigned(form, user, year):
    data = form.cleaned_data
    return services.unsigned_record(
        person=data["person"],
        year=year,
        reason=data["reason"],
        recorded_on=data["recorded_on"],
        contact_note=data["contact_note"],
        actor=user,
    )


def _fulfilment(form, user, year):
    data = form.cleaned_data
    return services.fulfilment_record(
        persons=data["persons"],
        kind=data["kind"],
        served_on=data["served_on"],
        note=data["note"],
        actor=user,
    )


def _followup(form, user, year):
    data = form.cleaned_data
    return services.followup_record(
        person=data["person"],
        served_on=data["served_on"],
        note=data["note"],
        visit=form.visit_values(),
        actor=user,
    )


def _health_check(form, user, year):
    data = form.cleaned_data
    return services.health_check_record(
        person=data["person"],
        checked_on=data["checked_on"],
        institution=data["institution"],
        summary=data["summary"],
        abnormal_findings=data["abnormal_findings"],
        fed_back=data["fed_back"],
        actor=user,
    )


def _chronic(form, user, year):
    data = form.cleaned_data
    return services.chronic_register(
        person=data["person"],
        disease=data["disease"],
        diagnosed_on=data["diagnosed_on"],
        managing_doctor_name=data["managing_doctor_name"],
        actor=user,
    )


def _diagnosis(form, user, year):
    data = form.cleaned_data
    return services.special_diagnosis_record(
        person=data["person"],
        disease=data["disease"],
        diagnosed_on=data["diagnosed_on"],
        actor=user,
    )


FORM_SPECS: dict[str, FormSpec] = {
    "contract": FormSpec(
        forms.ContractForm, gettext_lazy("Sign a contract"), _sign, gettext_lazy("Contract signed.")
    ),
    "unsigned": FormSpec(
        forms.UnsignedForm,
        gettext_lazy("Record why not signed"),
        _unsigned,
        gettext_lazy("Reason recorded."),
    ),
    "fulfilment": FormSpec(
        forms.FulfilmentForm,
        gettext_lazy("Record a service"),
        _fulfilment,
        gettext_lazy("Service recorded."),
    ),
    "followup": FormSpec(
        forms.FollowupForm,
        gettext_lazy("Record a follow-up"),
        _followup,
        gettext_lazy("Follow-up recorded."),
    ),
    "health_check": FormSpec(
        forms.HealthCheckForm,
        gettext_lazy("Record a health check"),
        _health_check,
        gettext_lazy("Health check recorded."),
    ),
    "chronic": FormSpec(
        forms.ChronicForm,
        gettext_lazy("Register a chronic disease"),
        _chronic,
        gettext_lazy("Chronic disease registered."),
    ),
    "diagnosis": FormSpec(
        forms.DiagnosisForm,
        gettext_lazy("Record a special disease"),
        _diagnosis,
        gettext_lazy("Special disease recorded."),
    ),
}


def _render_form(request, template_context: dict[str, Any], status: int = 200) -> HttpResponse:
    template = (
        "signing/snippets/record_form.html" if request.htmx else "signing/record_form_page.html"
    )
    return render(request, template, template_context, status=status)


def _after_save(request, household: Household, year: int, message: str) -> HttpResponse:
    if request.htmx:
        context = _section_context(household, year, ReportingPeriod.for_year(year).as_of)
        context["saved_message"] = message
        return render(request, "signing/snippets/saved.html", context)
    from django.contrib import messages

    messages.success(request, message)
    return redirect(f"{household_url(household)}?year={year}")


def household_url(household: Household) -> str:
    from django.urls import reverse

    return reverse("signing:household", args=[household.pk])


@login_required
def household_form(request: HttpRequest, pk: int, form_name: str) -> HttpResponse:
    """One inline form of the household section (sign, not signed, service, follow-up...)."""
    household = _household_for_user_or_404(request.user, pk, edit=True)
    spec = FORM_SPECS.get(form_name)
    if spec is None:
        from django.http import Http404

        raise Http404
    year = _period(request).year
    members = list(household.members.order_by("id"))
    kwargs = {"members": members, "user": request.user, "year": year}
    if request.method == "POST":
        form = spec.form_class(request.POST, **kwargs)
        if form.is_valid():
            try:
                spec.save(form, request.user, year)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return _after_save(request, household, year, str(spec.success))
    else:
        initial = {}
        person = id_for_page(request, "person")
        if person is not None:
            initial["person"] = person
            initial["persons"] = [person]
        form = spec.form_class(initial=initial, **kwargs)
    context = {
        "household": household,
        "form": form,
        "title": spec.title,
        "year": year,
        "action": request.path,
        "form_name": form_name,
    }
    return _render_form(request, context)


@login_required
def booklet_form(request: HttpRequest, pk: int) -> HttpResponse:
    """Move one special-disease booklet along (applied, issued with number and dates)."""
    diagnosis = _diagnosis_for_user_or_404(request.user, pk, edit=True)
    household = diagnosis.person.household
    year = _period(request).year
    booklet = selectors.booklet_of(diagnosis)
    kwargs = {"members": [], "user": request.user, "year": year}
    if request.method == "POST":
        form = forms.BookletForm(request.POST, **kwargs)
        if form.is_valid():
            try:
                services.booklet_update(
                    diagnosis=diagnosis, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                return _after_save(request, household, year, _("Booklet updated."))
    else:
        initial = {"status": BookletStatus.APPLIED}
        if booklet is not None:
            initial = {
                "status": booklet.status,
                "applied_on": booklet.applied_on,
                "number": booklet.number,
                "issued_on": booklet.issued_on,
                "expires_on": booklet.expires_on,
            }
        form = forms.BookletForm(initial=initial, **kwargs)
    context = {
        "household": household,
        "form": form,
        "title": _("Booklet of %(name)s: %(disease)s")
        % {"name": diagnosis.person.name, "disease": diagnosis.disease.name},
        "year": year,
        "action": request.path,
        "form_name": "booklet",
    }
    return _render_form(request, context)


@login_required
@require_POST
def contract_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """Renew a contract for the next year with the same team, doctor and package."""
    contract = _contract_for_user_or_404(request.user, pk, edit=True)
    household = contract.person.household
    try:
        renewed = services.contract_renew(
            contract=contract, signed_on=timezone.localdate(), actor=request.user
        )
    except ValidationError as exc:
        if request.htmx:
            context = _section_context(
                household, contract.year + 1, ReportingPeriod.for_year(contract.year + 1).as_of
            )
            context["error_messages"] = exc.messages
            return render(request, "signing/snippets/section_body.html", context)
        from django.contrib import messages

        for message in exc.messages:
            messages.error(request, message)
        return redirect(household_url(household))
    request.GET = request.GET.copy()
    request.GET["year"] = str(renewed.year)
    return _after_save(request, household, renewed.year, _("Contract renewed."))


# --- work lists ------------------------------------------------------------------------------


def _person_cells(person, reveal: bool = False) -> list[Any]:
    household = person.household
    return [
        household.township.name,
        household.village.name,
        household.number,
        person.name,
        personal_value(person.id_number, kind="id_number", reveal=reveal),
    ]


#: The person and household fields ``_person_cells`` reads.
PERSON_FIELDS = (
    "name",
    "id_number",
    "household__number",
    "household__village__name",
    "household__township__name",
)

PERSON_HEADERS = [
    gettext_lazy("township"),
    gettext_lazy("village"),
    gettext_lazy("household number"),
    pgettext_lazy("person", "name"),
    gettext_lazy("resident ID number"),
]


#: Rows on a work list's page.
PER_PAGE = 50


@dataclass(frozen=True)
class WorkList:
    slug: str
    title: Any
    headers: list[Any]
    query: Callable[[Any, int, datetime.date, selectors.ListFilters], Any]
    cells: Callable[[Any, datetime.date, bool], list[Any]]
    household: Callable[[Any], Household]
    states: tuple[tuple[str, Any], ...] = ()
    village_path: str = "household__village__name"
    #: The fields the cells read, when only those are loaded (a list reads many rows; every
    #: other column would be carried through the count and the sort for nothing).
    fields: tuple[str, ...] = ()
    #: For a page: the same records as ``query`` without the columns ``complete`` then sets on
    #: the page's records only (columns that cost the database more per row returned than
    #: reading the page's own records costs).
    page_query: Callable[[Any, int, datetime.date, selectors.ListFilters], Any] | None = None
    #: The page query as a statement built once per process (``healthpov.paging``), or None
    #: where the filters cannot be said that way (then ``page_query`` is built as usual).
    page_statement: (
        Callable[[Any, int, datetime.date, selectors.ListFilters], ListStatement | None] | None
    ) = None
    complete: Callable[[list[Any], Any, int, datetime.date], None] | None = None
    #: "Raise as a finding" (inspections) on this list's rows, for the roles that may raise:
    #: the source kind it raises, and which rows carry it (every row when None).
    raise_kind: str = ""
    raisable: Callable[[Any], bool] | None = None

    def rows(
        self,
        user: User,
        year: int,
        as_of: datetime.date,
        filters: selectors.ListFilters,
        *,
        page: bool = False,
    ) -> QuerySet:
        """The list's records: for the export, or (``page``) for a page to ``complete``."""
        query = self.page_query if page and self.page_query else self.query
        queryset = query(user, year, as_of, filters)
        return queryset.only(*self.fields) if self.fields else queryset

    def paginator(
        self, user: User, year: int, as_of: datetime.date, filters: selectors.ListFilters
    ) -> CountingPaginator:
        """Pages of ``rows(..., page=True)``, read with a statement built once per process
        where the list has one (``page_statement``)."""
        statement = self.page_statement(user, year, as_of, filters) if self.page_statement else None
        if statement is None:
            return CountingPaginator(self.rows(user, year, as_of, filters, page=True), PER_PAGE)
        if self.fields:
            build, fields = statement.build, self.fields
            statement = replace(statement, build=lambda **a: build(**a).only(*fields))
        return StatementPaginator(statement, PER_PAGE)

    def complete_page(
        self, records: list[Any], user: User, year: int, as_of: datetime.date
    ) -> None:
        """Give a page's records (of ``rows(..., page=True)``) what the cells read."""
        if self.page_query and self.complete:
            self.complete(records, user, year, as_of)


def _booklet_state(diagnosis: SpecialDiseaseDiagnosis, as_of: datetime.date) -> str:
    booklet = selectors.booklet_of(diagnosis)
    if booklet is None:
        return str(BookletStatus.PENDING.label)  # the export writes text, not a lazy label
    if booklet.is_valid_on(as_of):
        return _("Expires %(date)s") % {"date": booklet.expires_on.isoformat()}
    if booklet.status == BookletStatus.ISSUED:
        return _("Expired (pending again)")
    return booklet.get_status_display()


def _followup_state(patient) -> str:
    if patient.followup_quarter_overdue:
        return _("Overdue")
    if patient.followup_recheck_from is not None:
        if patient.followup_overdue:
            return _("Recheck overdue (unsatisfactory visit)")
        return _("Recheck due (unsatisfactory visit)")
    return _("Due this quarter")


VISIT_REASONS = (
    (selectors.VISIT_FOLLOWUP, gettext_lazy("Follow-up due or overdue")),
    (selectors.VISIT_UNSIGNED, gettext_lazy("Not signed, no reason recorded")),
    (selectors.VISIT_BOOKLET, gettext_lazy("Booklet to handle")),
)


def _visit_reasons(household: Household) -> str:
    """The reasons ``selectors.households_to_visit`` annotated, as words."""
    return "；".join(
        str(label) for value, label in VISIT_REASONS if getattr(household, f"visit_{value}")
    )


WORKLISTS: dict[str, WorkList] = {
    item.slug: item
    for item in [
        WorkList(
            slug="unsigned",
            title=gettext_lazy("Not signed, no reason recorded"),
            headers=[*PERSON_HEADERS, gettext_lazy("person status")],
            query=lambda user, year, as_of, f: selectors.unsigned_without_reason(
                user, year, as_of, f
            ),
            cells=lambda p, as_of, reveal=False: [
                *_person_cells(p, reveal),
                p.get_status_display(),
            ],
            page_statement=selectors.unsigned_without_reason_statement,
            household=lambda p: p.household,
            fields=(*PERSON_FIELDS, "status"),
            raise_kind="unsigned_person",
        ),
        WorkList(
            slug="followups",
            title=gettext_lazy("Follow-ups due or overdue"),
            headers=[
                *PERSON_HEADERS,
                gettext_lazy("chronic since"),
                gettext_lazy("follow-up"),
                gettext_lazy("next follow-up due by"),
            ],
            query=lambda user, year, as_of, f: selectors.followups_due(user, year, as_of, f),
            # The status columns, computed in the select list for a page's 50 rows, cost the
            # database a hash of every follow-up of the quarters (bench/page_costs.py).
            page_query=lambda user, year, as_of, f: selectors.followups_due(
                user, year, as_of, f, select=False
            ),
            page_statement=selectors.followups_due_statement,
            complete=lambda records, user, year, as_of: set_status(records, as_of),
            cells=lambda p, as_of, reveal=False: [
                *_person_cells(p, reveal),
                p.chronic_since,
                _followup_state(p),
                next_due_on(p),
            ],
            household=lambda p: p.household,
            fields=PERSON_FIELDS,
            states=(
                (DUE, gettext_lazy("Due this quarter")),
                (DUE_SOON, gettext_lazy("Due within 7 days")),
                (OVERDUE, gettext_lazy("Overdue")),
            ),
            raise_kind="followup_person",
            raisable=lambda p: p.followup_overdue,
        ),
        WorkList(
            slug="booklets",
            title=gettext_lazy("Booklets pending or expiring"),
            headers=[*PERSON_HEADERS, gettext_lazy("disease"), gettext_lazy("booklet")],
            query=lambda user, year, as_of, f: selectors.booklets_to_handle(user, year, as_of, f),
            cells=lambda d, as_of, reveal=False: [
                *_person_cells(d.person, reveal),
                d.disease.name,
                _booklet_state(d, as_of),
            ],
            household=lambda d: d.person.household,
            village_path="person__household__village__name",
            fields=(*(f"person__{name}" for name in PERSON_FIELDS), "disease__name", "booklet"),
            states=(
                ("pending", gettext_lazy("Pending")),
                ("expiring", gettext_lazy("Expiring within 30 days")),
            ),
        ),
        WorkList(
            slug="health-checks",
            title=gettext_lazy("Health check not done this year"),
            headers=[*PERSON_HEADERS, gettext_lazy("person status")],
            query=lambda user, year, as_of, f: selectors.health_checks_missing(
                user, year, as_of, f
            ),
            cells=lambda p, as_of, reveal=False: [
                *_person_cells(p, reveal),
                p.get_status_display(),
            ],
            household=lambda p: p.household,
        ),
        WorkList(
            slug="expiring",
            title=gettext_lazy("Contracts expiring"),
            headers=[*PERSON_HEADERS, gettext_lazy("valid until"), gettext_lazy("team")],
            query=lambda user, year, as_of, f: selectors.contracts_expiring(user, year, as_of, f),
            cells=lambda c, as_of, reveal=False: [
                *_person_cells(c.person, reveal),
                c.valid_until,
                c.team_display,
            ],
            household=lambda c: c.person.household,
            village_path="person__household__village__name",
        ),
        WorkList(
            slug="visits",
            title=gettext_lazy("Households to visit"),
            headers=[
                gettext_lazy("township"),
                gettext_lazy("village"),
                gettext_lazy("household number"),
                gettext_lazy("head of household"),
                gettext_lazy("to do"),
            ],
            query=lambda user, year, as_of, f: selectors.households_to_visit(user, year, as_of, f),
            page_query=lambda user, year, as_of, f: selectors.households_to_visit(
                user, year, as_of, f, select=False
            ),
            complete=selectors.set_visit_reasons,
            cells=lambda h, as_of, reveal=False: [
                h.township.name,
                h.village.name,
                h.number,
                h.head_name,
                _visit_reasons(h),
            ],
            household=lambda h: h,
            village_path="village__name",
            states=VISIT_REASONS,
        ),
    ]
}


def _shown(cell: Any) -> Any:
    """A work list cell as the page shows it: a dash for nothing, a date as YYYY-MM-DD. Done
    here rather than by template filters on each of a page's cells (docs/architecture.md
    "Performance choices")."""
    if cell is None:
        return "—"
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return cell


def _list_params(
    request: HttpRequest, places: list[Place] | None = None
) -> tuple[int, datetime.date, selectors.ListFilters]:
    """The period and filters asked for; ``places``: every place the user sees, when the page
    has read them (``ListFilters.places``)."""
    period = period_for_page(request)
    filters = selectors.ListFilters(
        village_id=id_for_page(request, "village"),
        search=(request.GET.get("q") or "").replace("\x00", "").strip()[:50],
        state=request.GET.get("state") or "",
        places=None if places is None else tuple(places),
    )
    return period.year, period.as_of, filters


def _get_worklist(slug: str) -> WorkList:
    from django.http import Http404

    worklist = WORKLISTS.get(slug)
    if worklist is None:
        raise Http404
    return worklist


@login_required
def worklists(request: HttpRequest) -> HttpResponse:
    """The township work lists with their sizes, per village (one grouped query per list)."""
    year, as_of, filters = _list_params(request)
    per_village: dict[str, dict[str, int]] = {}
    totals = []
    for item in WORKLISTS.values():
        rows = (
            item.query(request.user, year, as_of, filters)
            .order_by()
            .values(item.village_path)
            .annotate(n=Count("pk", distinct=True))
        )
        total = 0
        for row in rows:
            per_village.setdefault(row[item.village_path], {})[item.slug] = row["n"]
            total += row["n"]
        totals.append((item, total))
    villages = [
        (name, [counts.get(item.slug, 0) for item in WORKLISTS.values()])
        for name, counts in sorted(per_village.items())
    ]
    return render(
        request,
        "signing/worklists.html",
        {"items": totals, "villages": villages, "as_of": as_of, "year": year},
    )


@login_required
def worklist(request: HttpRequest, slug: str) -> HttpResponse:
    item = _get_worklist(slug)
    # Every place the user sees, read first: the village filter lists the villages, and the
    # list is scoped by their ids (``ListFilters.places``).
    places = list(places_visible_to(request.user).select_related("parent").order_by("path"))
    year, as_of, filters = _list_params(request, places)
    # The work lists sort by village name and filter on per-row annotations: the database
    # reads every row for the page anyway, so the total comes with it (one query).
    page = item.paginator(request.user, year, as_of, filters).get_page(request.GET.get("page"))
    item.complete_page(page.object_list, request.user, year, as_of)
    # The record itself rides along for the "raise as a finding" button of the inspections app.
    rows = [
        (item.household(obj), [_shown(cell) for cell in item.cells(obj, as_of)], obj)
        for obj in page.object_list
    ]
    villages = label_places(place for place in places if place.level == Place.Level.VILLAGE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "signing/worklist.html",
        {
            "item": item,
            "page": page,
            "rows": rows,
            "as_of": as_of,
            "filters": filters,
            "villages": villages,
            "query": query.urlencode(),
        },
    )


@reads_replica
@login_required
@require_http_methods(["GET", "POST"])
def worklist_export(request: HttpRequest, slug: str) -> HttpResponse:
    """The whole list as .xlsx (formula-safe); IDs masked unless a user who may reveal them
    POSTs ``reveal=1`` (recorded in the audit)."""
    item = _get_worklist(slug)
    reveal = reveal_requested(request)
    year, as_of, filters = _list_params(request)
    queryset = item.rows(request.user, year, as_of, filters)
    rows = (item.cells(obj, as_of, reveal) for obj in queryset.iterator(chunk_size=2000))
    title = str(item.title)
    return personal_xlsx_response(
        request,
        f"{title}-{as_of.isoformat()}.xlsx",
        [str(h) for h in item.headers],
        rows,
        reveal=reveal,
        sheet_title=title,
    )


# --- the printable household sheet (一户一档) -------------------------------------------------


@login_required
def household_sheet(
    request: HttpRequest, pk: int, template_name: str = "signing/household_sheet.html"
) -> HttpResponse:
    """The printable sheet; the root URLconf (desk.urls) gives it a template that adds the
    treatment section."""
    household = _household_for_user_or_404(request.user, pk)
    period = _period(request)
    year, as_of = period.year, period.as_of
    members = list(household.members.order_by("id"))
    return render(
        request,
        template_name,
        {
            "household": household,
            "members": members,
            "period": period,
            "year": year,
            "as_of": as_of,
            "records": selectors.household_records(household, year, as_of, members=members),
        },
    )

"""The indicator table as JSON/CSV/xlsx, and the two government forms of seed 000.

The forms (工作情况表 and 家庭医生签约服务分类管理表) are declared once as header trees; the
same declaration lays out the .xlsx (merged multi-level headers) and the printable page.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coverage import indicators as ind
from coverage.selectors import PlaceRow, Table
from healthpov.exports import neutralise, print_as_form, write_xlsx
from healthpov.places.models import Institution, Place


def plain_value(indicator: ind.Indicator, value) -> int | float | None:
    """Counts as integers, rates as fractions rounded to 4 places, money to 2; None stays."""
    if value is None:
        return None
    if indicator.kind == ind.COUNT:
        return int(value)
    if indicator.kind == ind.RATE:
        return float(Decimal(value).quantize(Decimal("0.0001")))
    return float(Decimal(value).quantize(Decimal("0.01")))


def _rows_for_output(table: Table) -> list[PlaceRow]:
    return [row for row in table.rows if row.level in ("county", "township", "village")]


def _parent_names(table: Table) -> dict[int, str]:
    return {row.place_id: row.name for row in table.rows}


def table_json_rows(table: Table) -> list[dict]:
    """``[{"place", "level", "parent", <code>: value, ...}]`` for every place and code."""
    names = _parent_names(table)
    out = []
    for row in _rows_for_output(table):
        item: dict = {"place": row.name, "level": row.level, "parent": names.get(row.parent_id)}
        for indicator in ind.INDICATORS:
            item[indicator.code] = plain_value(indicator, row.values.get(indicator.code))
        out.append(item)
    return out


def table_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["place", "level", "parent", *ind.CODES])
    for item in table_json_rows(table):
        writer.writerow(
            [neutralise(item["place"]), item["level"], neutralise(item["parent"] or "")]
            + ["" if item[c] is None else item[c] for c in ind.CODES]
        )
    return buffer.getvalue()


def table_xlsx(table: Table) -> bytes:
    """The JSON rows as a sheet: codes in the header, their labels in the first row."""
    labels = ["", "", "", *[str(ind.REGISTRY[c].label) for c in ind.CODES]]
    rows = [
        [item["place"], item["level"], item["parent"] or "", *[item[c] for c in ind.CODES]]
        for item in table_json_rows(table)
    ]
    return write_xlsx(
        ["place", "level", "parent", *ind.CODES], [labels, *rows], sheet_title="indicators"
    )


# ---------------------------------------------------------------------------------------
# Government forms.
# ---------------------------------------------------------------------------------------


@dataclass
class Col:
    label: Promise | str
    code: str | None = None  # a leaf shows this indicator
    children: list[Col] = field(default_factory=list)
    key: str | None = None  # a leaf that is not an indicator: "seq" or "place"

    @property
    def leaves(self) -> list[Col]:
        if not self.children:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves]

    @property
    def depth(self) -> int:
        return 1 + max((c.depth for c in self.children), default=0)


@dataclass
class Form:
    slug: str
    title: Promise  # "%(county)s %(year)s ..." with county and year
    columns: list[Col]

    @property
    def leaves(self) -> list[Col]:
        return [leaf for col in self.columns for leaf in col.leaves]

    @property
    def depth(self) -> int:
        return max(c.depth for c in self.columns)


def _c(code: str, label: Promise | None = None) -> Col:
    return Col(label if label is not None else ind.REGISTRY[code].label, code=code)


def _unsigned_columns() -> list[Col]:
    return [
        _c("unsigned", _("Total")),
        _c("unsigned_away", _("Away or unreachable")),
        _c("unsigned_died", _("Died")),
        _c("unsigned_moved", _("Moved out")),
        _c("unsigned_missing", _("Whereabouts unknown")),
        _c("unsigned_married", _("Married out")),
        _c("unsigned_refused", _("Refused to sign")),
        _c("unsigned_no_reason", _("No reason recorded")),
    ]


_PERSONS, _HOUSEHOLDS, _RATE = _("Persons"), _("Households"), _("Rate")
_LEAD = [Col(_("No."), key="seq"), Col(_("Township"), key="place")]

WORK_FORM = Form(
    slug="work",
    title=_("%(county)s %(year)s: health poverty alleviation work for registered poor persons"),
    columns=[
        *_LEAD,
        Col(
            _("Registered poor"),
            children=[_c("roster_persons", _PERSONS), _c("roster_households", _HOUSEHOLDS)],
        ),
        Col(
            _("Not yet out of poverty"),
            children=[_c("not_out_persons", _PERSONS), _c("not_out_households", _HOUSEHOLDS)],
        ),
        Col(
            _("Family-doctor signing"),
            children=[_c("signed", _("Signed")), _c("signing_rate", _RATE)],
        ),
        Col(
            _("Not signed"),
            children=_unsigned_columns(),
        ),
        Col(
            _("Electronic signing"),
            children=[
                _c("e_signed", _PERSONS),
                _c("e_signing_rate", _RATE),
                Col(
                    _("Of whom"),
                    children=[
                        _c("e_signed_elderly", _("Elderly")),
                        _c("e_signed_hypertension", _("Hypertension")),
                        _c("e_signed_diabetes", _("Type 2 diabetes")),
                    ],
                ),
            ],
        ),
        Col(
            _("Health checks"),
            children=[_c("health_checked", _PERSONS), _c("health_check_rate", _RATE)],
        ),
        Col(
            _("Special-disease booklets"),
            children=[
                _c("special_disease_persons", _("Patients")),
                _c("booklets_handled", _("Handled")),
                _c("booklets_pending", pgettext_lazy("booklets", "Pending")),
                _c("booklet_rate", _RATE),
            ],
        ),
        Col(
            _("Major-illness special treatment"),
            children=[
                _c("major_screened", _("Screened")),
                _c("major_treated", _("Treated")),
                _c("major_refused", _("Refused")),
                _c("major_died", _("Died")),
                _c("major_treatment_rate", _("Treatment rate")),
            ],
        ),
        _c("brochures", _("Brochures handed out")),
    ],
)

SIGNING_FORM = Form(
    slug="signing",
    title=_("%(county)s %(year)s: family-doctor signing of registered poor persons by category"),
    columns=[
        *_LEAD,
        _c("roster_persons", _("Registered poor persons")),
        Col(
            _("Signed"),
            children=[
                _c("signed", _PERSONS),
                _c("signing_rate", _RATE),
                Col(
                    pgettext_lazy("contracts", "Electronic"),
                    children=[_c("e_signed", _PERSONS), _c("e_signing_rate", _RATE)],
                ),
            ],
        ),
        Col(
            _("Electronically signed key groups"),
            children=[
                _c("e_signed_elderly", _("Elderly (65+)")),
                _c("e_signed_hypertension", _("Hypertension patients")),
                _c("e_signed_diabetes", _("Type 2 diabetes patients")),
            ],
        ),
        Col(
            _("Not signed, by reason"),
            children=_unsigned_columns(),
        ),
        Col(
            _("Key chronic diseases"),
            children=[
                _c("chronic_patients", _("Patients")),
                _c("followup_compliance", _("Followed up every quarter")),
            ],
        ),
        Col(
            _("Fulfilment"),
            children=[
                _c("health_checked", _("Health-checked")),
                _c("brochures", _("Brochures")),
                _c("fulfilment_rate", _("Fulfilment rate")),
            ],
        ),
    ],
)

FORMS = {f.slug: f for f in (WORK_FORM, SIGNING_FORM)}


@dataclass
class HeaderCell:
    label: str
    column: int  # 0-based
    row: int  # 0-based header row
    colspan: int
    rowspan: int
    code: str | None = None


def header_cells(form: Form) -> list[list[HeaderCell]]:
    """Header rows with their merges: a group spans its leaves; a leaf reaches the bottom."""
    depth = form.depth
    rows: list[list[HeaderCell]] = [[] for _ in range(depth)]

    def place(col: Col, row: int, column: int) -> int:
        width = len(col.leaves)
        rowspan = 1 if col.children else depth - row
        rows[row].append(HeaderCell(str(col.label), column, row, width, rowspan, col.code))
        child_column = column
        for child in col.children:
            child_column = place(child, row + 1, child_column)
        return column + width

    column = 0
    for col in form.columns:
        column = place(col, 0, column)
    return rows


@dataclass
class FormLine:
    seq: int | str
    place: PlaceRow
    cells: list[tuple[ind.Indicator, object]]


def form_lines(form: Form, table: Table, parent: Place) -> list[FormLine]:
    """A line per child place of ``parent`` (townships of a county), then the total line."""
    by_place = table.by_place()
    children = [row for row in table.rows if row.parent_id == parent.pk]
    leaves = [leaf for leaf in form.leaves if leaf.code]
    lines = [
        FormLine(n, row, [(ind.REGISTRY[leaf.code], row.values.get(leaf.code)) for leaf in leaves])
        for n, row in enumerate(children, start=1)
    ]
    total = by_place[parent.pk]
    lines.append(
        FormLine(
            _t("Total"),
            total,
            [(ind.REGISTRY[leaf.code], total.values.get(leaf.code)) for leaf in leaves],
        )
    )
    return lines


def reporting_unit(place: Place) -> str:
    bureau = (
        Institution.objects.filter(place=place, kind=Institution.Kind.BUREAU).order_by("pk").first()
    )
    return bureau.name if bureau else place.name


def form_title(form: Form, place: Place, year: int) -> str:
    return form.title % {"county": place.name, "year": year}


def form_xlsx(form: Form, table: Table, place: Place) -> bytes:
    """The form as a workbook: title, reporting unit and date, merged headers, 序号, totals."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Form"))[:31]
    leaves = form.leaves
    width = len(leaves)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    sheet.cell(row=1, column=1, value=neutralise(form_title(form, place, table.period.year)))
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(row=1, column=1).font = Font(size=14, bold=True)
    sheet.cell(row=1, column=1).alignment = centre
    unit = _t("Reporting unit: %(unit)s") % {"unit": reporting_unit(place)}
    as_of = _t("As of %(date)s") % {"date": date_format(table.period.as_of, "DATE_FORMAT")}
    half = max(width // 2, 1)
    sheet.cell(row=2, column=1, value=neutralise(unit))
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=half)
    sheet.cell(row=2, column=half + 1, value=neutralise(as_of))
    sheet.cell(row=2, column=half + 1).alignment = Alignment(horizontal="right")
    if width > half + 1:
        sheet.merge_cells(start_row=2, start_column=half + 1, end_row=2, end_column=width)

    top = 3
    for header_row in header_cells(form):
        for cell in header_row:
            row, column = top + cell.row, 1 + cell.column
            sheet.cell(row=row, column=column, value=neutralise(cell.label))
            if cell.colspan > 1 or cell.rowspan > 1:
                sheet.merge_cells(
                    start_row=row,
                    start_column=column,
                    end_row=row + cell.rowspan - 1,
                    end_column=column + cell.colspan - 1,
                )
    for r in range(top, top + form.depth):
        for c in range(1, width + 1):
            sheet.cell(row=r, column=c).border = border
            sheet.cell(row=r, column=c).alignment = centre
            sheet.cell(row=r, column=c).font = Font(bold=True)

    row = top + form.depth
    for line in form_lines(form, table, place):
        values = iter(line.cells)
        for c, leaf in enumerate(leaves, start=1):
            if leaf.key == "seq":
                value = line.seq
            elif leaf.key == "place":
                value = neutralise(line.place.name)
            else:
                indicator, raw = next(values)
                value = plain_value(indicator, raw)
            target = sheet.cell(row=row, column=c, value=value)
            target.border = border
            if leaf.code and ind.REGISTRY[leaf.code].is_rate:
                target.number_format = "0.0%"
        row += 1
    sheet.freeze_panes = sheet.cell(row=top + form.depth, column=3)
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 12
    for c in range(3, width + 1):
        sheet.column_dimensions[get_column_letter(c)].width = 10
    print_as_form(
        sheet, title_rows=top + form.depth - 1, unit=str(unit), period=str(as_of), landscape=True
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

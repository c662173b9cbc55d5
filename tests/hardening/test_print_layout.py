"""The government-layout workbooks print as forms in a real spreadsheet program.

Each workbook is fetched from its page as the demo county's user, converted to PDF by
LibreOffice headless (as a user printing it from Calc would get it) and read back page by page:
every page must hold the full width of the form (its first and last header columns, repeated
as print titles) and the first page the whole title.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

SOFFICE = shutil.which("soffice")
PDFTOTEXT = shutil.which("pdftotext")

pytestmark = pytest.mark.skipif(
    not (SOFFICE and PDFTOTEXT),
    reason="LibreOffice (libreoffice-calc-nogui) and poppler-utils are not installed; "
    "bin/test installs them as root",
)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("seed_demo", "--year", "2018", stdout=io.StringIO())
        yield
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def county_client(demo, client, django_db_blocker):
    from healthpov.accounts.models import User

    with django_db_blocker.unblock():
        client.force_login(User.objects.get(username="county"))
    return client


def _workbook_urls() -> dict[str, str]:
    from healthpov.places.models import Place
    from inspections.demo import CAMPAIGN_NAME
    from inspections.models import Campaign
    from remediation.selectors import LISTS

    county = Place.objects.get(name="泰宁县", level=Place.Level.COUNTY)
    urls = {
        f"form-{slug}": reverse("coverage:form_xlsx", kwargs={"pk": county.pk, "slug": slug})
        + "?year=2018&as_of=2018-06-04"
        for slug in ("work", "signing")
    }
    urls |= {f"list-{kind}": reverse("remediation:item_list_xlsx", args=[kind]) for kind in LISTS}
    urls["accountability"] = reverse("remediation:accountability_xlsx")
    campaign = Campaign.objects.get(name=CAMPAIGN_NAME)
    urls["campaign-report"] = reverse("inspections:campaign_report_xlsx", args=[campaign.pk])
    return urls


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _sheets(data: bytes) -> dict[str, bytes]:
    """Each sheet of a workbook as a workbook of its own (page setup kept), to print alone."""
    names = load_workbook(io.BytesIO(data)).sheetnames
    alone = {}
    for name in names:
        workbook = load_workbook(io.BytesIO(data))
        for other in names:
            if other != name:
                del workbook[other]
        buffer = io.BytesIO()
        workbook.save(buffer)
        alone[name] = buffer.getvalue()
    return alone


def _header_texts(data: bytes) -> tuple[str, str, str]:
    """The title, and the first and last column's header labels of the workbook's sheet."""
    sheet = load_workbook(io.BytesIO(data)).active
    title = str(sheet.cell(row=1, column=1).value)
    last_title_row = int(sheet.print_title_rows.split(":")[-1].lstrip("$"))
    header_row = [cell.value for cell in sheet[last_title_row]]
    labelled = [str(value) for value in header_row if value]
    return title, labelled[0], labelled[-1]


def _pdf_pages(data: bytes, tmp_path: Path, name: str) -> list[str]:
    source = tmp_path / f"{name}.xlsx"
    source.write_bytes(data)
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(tmp_path / f"{name}.pdf"), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return [page for page in text.split("\f") if page.strip()]


@pytest.mark.django_db
def test_every_form_prints_full_width_on_every_page(county_client, tmp_path):
    urls = _workbook_urls()
    assert len(urls) == 8  # two report forms, four remediation lists, 问责清单, campaign report
    for name, url in urls.items():
        response = county_client.get(url)
        assert response.status_code == 200, name
        for index, data in enumerate(_sheets(response.content).values()):
            sheet = f"{name}-{index}"
            title, first_header, last_header = _header_texts(data)
            pages = _pdf_pages(data, tmp_path, sheet)
            assert pages, sheet
            assert _squeeze(title) in _squeeze(pages[0]), f"{sheet}: title cut on page 1"
            for number, page in enumerate(pages, start=1):
                squeezed = _squeeze(page)
                assert _squeeze(first_header)[:4] in squeezed, f"{sheet} p. {number}: left cut"
                assert _squeeze(last_header)[:4] in squeezed, f"{sheet} p. {number}: right cut"


@pytest.mark.django_db
def test_form_page_setup_is_a4_fitted_with_repeated_titles(county_client):
    for name, url in _workbook_urls().items():
        for sheet in load_workbook(io.BytesIO(county_client.get(url).content)).worksheets:
            assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4, name
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, name
            assert int(sheet.page_setup.fitToWidth) == 1, name
            assert int(sheet.page_setup.fitToHeight) == 0, name
            assert sheet.print_title_rows.startswith("$1:"), name
            assert "&P" in sheet.oddFooter.right.text, name

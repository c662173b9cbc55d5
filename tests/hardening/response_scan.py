"""A pytest plugin that reads every response and log record the suite produces.

Registered from ``tests/conftest.py``, so it runs in every test of the project. Two checks:

- **Leaks**: a full resident ID number (18 characters with a valid GB 11643 check digit) or a
  full mobile number (11 digits starting 13-19) in a response body or a log record fails the test
  that produced it, naming the URL or logger. The audited reveal views are allowed to show
  them (``REVEAL_URL_NAMES``), and so are exports POSTed with ``reveal=1``
  (``REVEAL_EXPORT_URL_NAMES``, audited per file). ``.xlsx`` downloads are unzipped and their
  XML read too.
- **CSP**: an HTML page holding an inline ``<script>`` (other than ``type="application/json"``
  data), an ``on*=`` handler attribute, a ``style="..."`` attribute, a ``<style>`` block or a
  ``javascript:`` URL fails the test that rendered it: the strict Content-Security-Policy blocks
  them in a browser, so the page would be broken there.

Opting out needs a reason: ``@pytest.mark.leak_scan_off(reason="...")`` (for a test that
asserts a reveal or an error message quoting the user's own input, say) and
``@pytest.mark.csp_scan_off(reason="...")``.

Both hooks wrap ``BaseHandler.get_response``, so they see the test client, DRF's API client and
``live_server`` alike.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest

# URL names of the views that show a full ID number or phone on purpose, each audited.
REVEAL_URL_NAMES: set[str] = {
    "households:person_reveal",
    "households:household_reveal",
    "person-reveal",
    "household-reveal",
    # The user's own workbook back, only to its uploader or a user who may reveal; audited.
    "households:import_report",
}
# Exports that carry full ID numbers and phones when a user allowed to reveal them POSTs
# ``reveal=1`` (each such export is audited: healthpov.exports.personal_xlsx_response).
REVEAL_EXPORT_URL_NAMES: set[str] = {
    "households:export",
    "signing:worklist_export",
    "coverage:drilldown_xlsx",
}
# URL prefixes never scanned for CSP: third-party pages we do not render ourselves.
CSP_EXEMPT_PREFIXES: tuple[str, ...] = ("/static/",)
# Admin pages of django-import-export (IT staff only) ship inline style attributes and an
# onchange "select all" toggle; under the CSP the toggle does nothing and the page still works.
# Known and accepted (SECURITY.md); every other admin page is scanned.
CSP_EXEMPT_URL_NAME_SUFFIXES: tuple[str, ...] = ("_export", "_import", "_process_import")

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
PHONE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d{9})(?![0-9A-Za-z])")
MAX_SCANNED_BYTES = 50 * 1024 * 1024


def id_check_digit(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def is_valid_id_number(value: str) -> bool:
    """GB 11643 check digit and a plausible birth date (19xx/20xx, month 01-12, day 01-31)."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    year, month, day = int(value[6:10]), int(value[10:12]), int(value[12:14])
    if not (1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    return id_check_digit(value[:17]) == value[17].upper()


def find_personal_data(text: str) -> list[str]:
    """Full ID numbers and mobile numbers in ``text``, each shown masked in the result."""
    found = [f"ID {m[:6]}…{m[-4:]}" for m in ID_CANDIDATE.findall(text) if is_valid_id_number(m)]
    found += [f"phone {m[:3]}…{m[-4:]}" for m in PHONE.findall(text)]
    return found


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP (script-src/style-src 'self') would block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False
        self._script_is_data = False
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): (value or "") for name, value in attrs}
        for name, value in names.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> handler attribute")
            elif name == "style":
                self.problems.append(f'<{tag} style="{value[:40]}">')
            elif name in {
                "href",
                "src",
                "action",
                "formaction",
            } and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        if tag == "style":
            self.problems.append("<style> block")
        if tag == "script":
            self._in_script = "src" not in names
            self._script_is_data = names.get("type", "").lower() in {
                "application/json",
                "application/ld+json",
                "text/template",
            }
            self._script_text = []

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self._script_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script:
            body = "".join(self._script_text).strip()
            if body and not self._script_is_data:
                self.problems.append(f"inline <script>: {body[:60]!r}")
            self._in_script = False


def find_inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


@dataclass
class Hit:
    where: str
    what: str


class Recorder:
    """Thread-safe store of what the current test produced (live_server answers in a thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.leaks: list[Hit] = []
        self.inline: list[Hit] = []

    def reset(self) -> None:
        with self._lock:
            self.leaks, self.inline = [], []

    def add_leaks(self, where: str, found: list[str]) -> None:
        if found:
            with self._lock:
                self.leaks.extend(Hit(where, f) for f in found)

    def add_inline(self, where: str, found: list[str]) -> None:
        if found:
            with self._lock:
                self.inline.extend(Hit(where, f) for f in found)


RECORDER = Recorder()


def _url_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else ""


def _body_bytes(response) -> bytes:
    if getattr(response, "is_async", False):
        return b""  # an async stream cannot be read here without breaking it
    if getattr(response, "streaming", False):
        chunks = list(response.streaming_content)
        data = b"".join(c if isinstance(c, bytes) else bytes(c) for c in chunks)
        response.streaming_content = [data]  # give the caller the same bytes back
        return data
    return bytes(response.content)


def _texts_of(response, data: bytes) -> list[str]:
    content_type = response.get("Content-Type", "").lower()
    if data[:4] == b"PK\x03\x04":  # xlsx/docx/zip: read the XML parts
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return [
                    archive.read(info).decode("utf-8", "replace")
                    for info in archive.infolist()
                    if info.filename.endswith(".xml") and info.file_size < MAX_SCANNED_BYTES
                ]
        except zipfile.BadZipFile:
            return []
    if content_type.startswith(
        ("text/", "application/json", "application/vnd.oai", "application/xml")
    ) or ("csv" in content_type):
        for encoding in ("utf-8", "gb18030"):
            try:
                return [data.decode(encoding)]
            except UnicodeDecodeError:
                continue
    return []


def _is_revealing_export(request, url_name: str) -> bool:
    return (
        url_name in REVEAL_EXPORT_URL_NAMES
        and request.method == "POST"
        and request.POST.get("reveal") == "1"
    )


def scan_response(request, response) -> None:
    path = request.path
    if path.startswith("/static/"):
        return
    url_name = _url_name(request)
    where = f"{request.method} {path} ({url_name or 'no url name'}) -> {response.status_code}"
    try:
        data = _body_bytes(response)
    except (TypeError, ValueError):
        return
    if len(data) > MAX_SCANNED_BYTES:
        return
    texts = _texts_of(response, data)
    if url_name not in REVEAL_URL_NAMES and not _is_revealing_export(request, url_name):
        for text in texts:
            RECORDER.add_leaks(where, find_personal_data(text))
    content_type = response.get("Content-Type", "").lower()
    exempt = path.startswith(CSP_EXEMPT_PREFIXES) or (
        url_name.startswith("admin:") and url_name.endswith(CSP_EXEMPT_URL_NAME_SUFFIXES)
    )
    if content_type.startswith("text/html") and not exempt and texts:
        RECORDER.add_inline(where, find_inline_code(texts[0]))


class LeakLogHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            message += f" {record.exc_info[1]}"  # database errors quote the offending value
        RECORDER.add_leaks(f"log {record.name}:{record.levelname}", find_personal_data(message))


@pytest.fixture(scope="session", autouse=True)
def _response_scan_installed():
    from django.core.handlers.base import BaseHandler

    original = BaseHandler.get_response

    def get_response(self, request):
        response = original(self, request)
        scan_response(request, response)
        return response

    BaseHandler.get_response = get_response
    handler = LeakLogHandler(level=logging.DEBUG)
    logging.getLogger().addHandler(handler)
    yield
    logging.getLogger().removeHandler(handler)
    BaseHandler.get_response = original


def _opt_out_reason(item: pytest.Item, marker_name: str) -> str | None:
    marker = item.get_closest_marker(marker_name)
    if marker is None:
        return None
    reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
    if not str(reason).strip():
        pytest.fail(f"@pytest.mark.{marker_name} needs reason='why this test may skip the scan'")
    return str(reason)


@pytest.fixture(autouse=True)
def _response_scan(request):
    RECORDER.reset()
    yield
    leaks, inline = list(RECORDER.leaks), list(RECORDER.inline)
    RECORDER.reset()
    problems = []
    if leaks and _opt_out_reason(request.node, "leak_scan_off") is None:
        problems.append("personal data outside the audited reveal views:")
        problems += [f"  {hit.where}: {hit.what}" for hit in leaks]
    if inline and _opt_out_reason(request.node, "csp_scan_off") is None:
        problems.append("inline code that the strict CSP blocks:")
        problems += [f"  {hit.where}: {hit.what}" for hit in inline]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "leak_scan_off(reason): this test may show full ID numbers/phones outside the reveal views",
    )
    config.addinivalue_line(
        "markers", "csp_scan_off(reason): this test renders a page with inline code on purpose"
    )
    config.addinivalue_line(
        "markers", "faults: starts real processes and breaks them (Redis, PostgreSQL, workers)"
    )

"""The phone app (docs/field-sync.md, "Phone app"): the offline field page's shell, the service
worker and the web app manifest.

The shell holds no data of anybody, not even the signed-in user's name: the service worker
keeps one copy of it for every user of the phone, and static/js/field.js draws the households
from the offline package in IndexedDB. The service worker and the manifest are public (the
browser fetches them without asking) and carry only static file names.
"""

from __future__ import annotations

import hashlib
import json
import os

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

# What the service worker keeps so that the field page opens without a connection: its own
# script and styles and the vendored files they need. Nothing else is ever cached.
SHELL_STATIC = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff",
    "css/app.css",
    "css/field.css",
    "js/offline.js",
    "js/field.js",
    "favicon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
)
WORKER_TEMPLATE = "desk/service_worker.js"
THEME_COLOUR = "#0d6efd"  # Bootstrap's primary, the navigation bar's colour


def _may_work_in_the_field(user) -> bool:
    return user.is_township_level


@login_required
@require_GET
def field_page(request: HttpRequest) -> HttpResponse:
    """The offline field page: village doctors and township staff (others: 403)."""
    if not _may_work_in_the_field(request.user):
        raise PermissionDenied
    return render(request, "desk/field.html")


def _shell_version(urls: list[str]) -> str:
    """Changes whenever a cached file may have changed: its (hashed) URL, or, where the file is
    found on disk (development, tests), its size and time."""
    digest = hashlib.sha256()
    for name, url in zip(SHELL_STATIC, urls, strict=True):
        digest.update(url.encode())
        found = finders.find(name)
        if found:
            stat = os.stat(found)
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update(get_template(WORKER_TEMPLATE).template.source.encode())
    return digest.hexdigest()[:16]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker (templates/desk/service_worker.js) from the site root, so that it may
    control every page, with the list of files to keep (their hashed names in production)."""
    urls = [static(name) for name in SHELL_STATIC]
    config = {
        "version": _shell_version(urls),
        # The manifest too: the shell links it, and it names static files only.
        "precache": [*urls, reverse("web_manifest")],
        "fieldUrl": reverse("field"),
        "loginUrl": reverse(settings.LOGIN_URL),
    }
    body = render_to_string(WORKER_TEMPLATE, {"config": json.dumps(config, ensure_ascii=True)})
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # The browser checks for a new worker on navigations; no cache may keep an old one.
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def web_manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: installed, the app opens on the field page."""
    manifest = {
        "name": "健康扶贫入户工作",
        "short_name": "健康扶贫",
        "lang": "zh-Hans",
        "start_url": reverse("field"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(manifest, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response

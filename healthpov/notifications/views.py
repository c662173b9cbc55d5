"""The bell: a user's own notifications, the unread badge, marking read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from healthpov.notifications import selectors, services
from healthpov.notifications.models import Notification


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notes = selectors.notifications_for(request.user)[:200]
    return render(request, "notifications/notification_list.html", {"notifications": notes})


@login_required
def notification_count(request: HttpRequest) -> HttpResponse:
    """The bell's badge, fetched by HTMX after the page has loaded."""
    unread = selectors.unread_count(request.user)
    return render(request, "notifications/snippets/unread_count.html", {"unread": unread})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notification_mark_read(notification=note, actor=request.user)
    # The linked page checks access itself; only a path of this site is followed.
    if note.link and url_has_allowed_host_and_scheme(note.link, allowed_hosts=None):
        return redirect(note.link)
    return redirect("notifications:notification_list")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(actor=request.user)
    return redirect("notifications:notification_list")

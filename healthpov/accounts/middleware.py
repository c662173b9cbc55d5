import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import resolve_url
from django.utils import translation


class NoStoreForSignedInMiddleware:
    """Pages shown to a signed-in user may hold personal data: never let a cache keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store, private"
        return response


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user picked another language with the switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language header, but township
    offices often run English-language systems on shared PCs, and the bureau wants the Chinese
    interface there. Only the language cookie written by ``set_language`` changes it.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or settings.LANGUAGE_CODE
        try:
            language = translation.get_supported_language_variant(chosen)
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


BACKGROUND_POLL_HEADER = "X-Background-Poll"
LAST_ACTIVITY_KEY = "last_activity"


def is_background_poll(request: HttpRequest) -> bool:
    """A request an open page makes by itself (``hx-trigger="every ..."``), not the user."""
    return request.headers.get(BACKGROUND_POLL_HEADER) == "1"


class IdleTimeoutMiddleware:
    """Sign out a session idle for ``SESSION_IDLE_SECONDS``; only what the user does counts.

    The time of the user's last request is kept in the session. Background polls (the bell's
    badge, progress of an import or recompute) are signed out like any request once the limit
    has passed, but never move the time forward, so an open page ends on time. The time is
    rewritten at most once a minute (1/30 of the limit when that is shorter), so the session is
    not saved on every request and the limit holds to that resolution.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.SESSION_IDLE_SECONDS
        now = int(time.time())
        # An API call signed by a token is authenticated later (by DRF) and must not create
        # or touch a session: the clock is kept only for a session's own sign-in.
        if request.user.is_authenticated:
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last >= limit:
                logout(request)
        if is_background_poll(request) and not request.user.is_authenticated:
            # Swapping the login page into the badge would help nobody: send the page there.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
            return response
        response = self.get_response(request)
        # Only a session sign-in (one made before or by this request) keeps a clock.
        session_user = request.session.get(SESSION_KEY) is not None
        if session_user and request.user.is_authenticated and not is_background_poll(request):
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is None or now - last >= min(60, limit // 30):
                request.session[LAST_ACTIVITY_KEY] = now
        return response

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
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

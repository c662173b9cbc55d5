"""A service's refusal, shown to whoever called it: on a form, or as an API answer.

Services raise Django's ``ValidationError`` (the input or the record's state does not allow
the write), ``ServiceConflict`` (someone else changed the record first) and ``PermissionDenied``
or ``PermissionError`` (this user may not). Pages put them on the form with
:func:`add_service_errors`; API views call services inside :func:`api_errors`, which answers
400 naming the fields (the shape of a serializer's errors), 409 and 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from rest_framework import exceptions, status
from rest_framework.settings import api_settings


class ServiceConflict(ValidationError):
    """The write conflicts with a change someone else made first (the caller saw a stale
    record); the API answers 409."""


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form fields it names (others on the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def api_error_detail(error: ValidationError) -> dict[str, list[str]]:
    """``{field: [messages]}``; messages of no field under DRF's ``non_field_errors``."""
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
    return {
        api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field: messages
        for field, messages in error.message_dict.items()
    }


@contextmanager
def api_errors() -> Iterator[None]:
    """Run service calls of an API view: their refusals become DRF answers."""
    try:
        yield
    except ServiceConflict as error:
        raise Conflict(error.messages[0]) from None
    except ValidationError as error:
        raise exceptions.ValidationError(api_error_detail(error)) from None
    except (PermissionDenied, PermissionError) as error:
        raise exceptions.PermissionDenied(str(error) or None) from None

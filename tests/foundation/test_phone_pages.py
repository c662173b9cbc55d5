"""The phone walk (tests/foundation/test_browser_phone.py) cannot miss a page of the matrix."""

from __future__ import annotations

from django.db import transaction

from tests.foundation.phone_pages import DOWNLOADS, page_keys
from tests.permissions import all_cases


class _Rollback(Exception):
    pass


def matrix_get_pages(cast) -> set[tuple[str, tuple]]:
    """(url name, kwargs other than pk) of every GET case of the matrix that is not an API."""
    keys = set()
    for case in all_cases():
        if case.api or "get" not in case.methods:
            continue
        try:
            with transaction.atomic():
                target = case.make(cast)
                raise _Rollback
        except _Rollback:
            pass
        keys.add(
            (case.url_name, tuple(sorted((k, v) for k, v in target.kwargs.items() if k != "pk")))
        )
    return keys


def test_the_phone_walk_opens_every_get_page_of_the_permission_matrix(cast):
    walked = page_keys()
    missing = sorted(
        key for key in matrix_get_pages(cast) if key not in walked and key[0] not in DOWNLOADS
    )
    assert not missing, (
        "GET pages the phone walk does not open: add them to tests/foundation/phone_pages.py "
        f"(_SPEC, or DOWNLOADS when they answer a file): {missing}"
    )


def test_downloads_are_not_walked_as_pages():
    assert not {name for name, _kwargs in page_keys()} & set(DOWNLOADS)

"""Files users upload: who may download them, and how stored images are made safe.

Import workbooks (and their error reports), refusal proofs and evidence photos hold personal
data in full. Whoever may see the record still gets a file only if they uploaded it or may
reveal personal data (``User.may_reveal_personal_data``); every download is written to
``FileDownloadLog`` like a reveal. Views call :func:`uploaded_file_download_allow` after the
record's own access check (``get_visible_or_404``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404

from healthpov.accounts.models import User
from healthpov.accounts.services import file_download_record


def may_download_upload(user: User, *, uploaded_by_id: int | None) -> bool:
    """The uploader, and users allowed to reveal personal data."""
    return user.may_reveal_personal_data or (
        uploaded_by_id is not None and user.pk == uploaded_by_id
    )


def uploaded_file_download_allow(*, user: User, uploaded_by_id: int | None, file_name: str) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may download the file; record the download."""
    if not may_download_upload(user, uploaded_by_id=uploaded_by_id):
        raise PermissionDenied
    file_download_record(actor=user, file_name=file_name)


def uploaded_photo_response(user: User, photo) -> FileResponse:
    """Serve a stored evidence photo (a model with ``image`` and ``uploaded_by``) whose record
    ``user`` has already been allowed to see."""
    uploaded_file_download_allow(
        user=user, uploaded_by_id=photo.uploaded_by_id, file_name=photo.image.name
    )
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response

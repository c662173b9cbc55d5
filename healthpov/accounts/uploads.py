"""Files users upload: who may download them, and how stored images are made safe.

Every image kept (refusal proofs, finding photos, remediation evidence) goes through
:func:`image_reencoded`: accepted by its content (Pillow), refused above ``MAX_IMAGE_PIXELS``
before it is decoded (a decompression bomb: a few KB of PNG that decode to gigabytes),
resized and re-encoded as JPEG, which drops EXIF (GPS position, camera serial) and anything
hidden after the image data; the file name is ours, never the uploader's.

Import workbooks (and their error reports), refusal proofs and evidence photos hold personal
data in full. Whoever may see the record still gets a file only if they uploaded it or may
reveal personal data (``User.may_reveal_personal_data``); every download is written to
``FileDownloadLog`` like a reveal. Views call :func:`uploaded_file_download_allow` after the
record's own access check (``get_visible_or_404``).
"""

from __future__ import annotations

import io
import uuid
import warnings

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from healthpov.accounts.models import User
from healthpov.accounts.services import file_download_record

ACCEPTED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}
# 40 megapixels: more than any phone camera; decoded as RGB at most 120 MB.
MAX_IMAGE_PIXELS = 40_000_000


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


def uploaded_file_response(
    user: User,
    stored,
    *,
    uploaded_by_id: int | None,
    content_type: str,
    filename: str | None = None,
    as_attachment: bool = False,
) -> FileResponse:
    """Serve a stored upload (a ``FieldFile``) of a record ``user`` has already been allowed to
    see: only to its uploader or a user who may reveal personal data, recorded, never cached."""
    uploaded_file_download_allow(user=user, uploaded_by_id=uploaded_by_id, file_name=stored.name)
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, content_type=content_type, filename=filename or "", as_attachment=as_attachment
    )
    response["Cache-Control"] = "private, no-store"
    return response


def uploaded_photo_response(user: User, photo) -> FileResponse:
    """Serve a stored evidence photo (a model with ``image`` and ``uploaded_by``)."""
    return uploaded_file_response(
        user, photo.image, uploaded_by_id=photo.uploaded_by_id, content_type="image/jpeg"
    )


def image_reencoded(upload: UploadedFile, *, max_side: int) -> tuple[ContentFile, int, int]:
    """``upload`` checked to be a real image of at most ``MAX_IMAGE_PIXELS`` pixels, returned
    as a clean JPEG (no metadata, at most ``max_side`` pixels a side) with its size.

    Raises ``ValidationError`` with code ``not_image`` or ``too_many_pixels``.
    """
    not_an_image = ValidationError(
        _("“%(name)s” is not a photo (JPEG, PNG, WebP, GIF or BMP).") % {"name": upload.name},
        code="not_image",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:  # reads the header only
                if probe.format not in ACCEPTED_IMAGE_FORMATS:
                    raise not_an_image
                _refuse_too_many_pixels(upload.name, probe.width, probe.height)
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                _refuse_too_many_pixels(upload.name, image.width, image.height)
                image.load()
                image = ImageOps.exif_transpose(image)
                image.thumbnail((max_side, max_side))
                if image.mode not in {"RGB", "L"}:
                    image = image.convert("RGB")
                out = io.BytesIO()
                image.save(out, format="JPEG", quality=85, optimize=True)
                width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(upload.name) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image from None
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg"), width, height


def _too_many_pixels(name: str) -> ValidationError:
    return ValidationError(
        _(
            "“%(name)s” has more than %(limit)s million pixels (or claims to); "
            "take the photo again at a normal size."
        )
        % {"name": name, "limit": MAX_IMAGE_PIXELS // 1_000_000},
        code="too_many_pixels",
    )


def _refuse_too_many_pixels(name: str, width: int, height: int) -> None:
    if width * height > MAX_IMAGE_PIXELS:
        raise _too_many_pixels(name)

"""Evidence photos: size-capped, then checked and re-encoded without metadata by
:func:`healthpov.accounts.uploads.image_reencoded` (the one helper for every stored image)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from healthpov.accounts.uploads import image_reencoded


def max_photo_bytes() -> int:
    return settings.EVIDENCE_PHOTO_MAX_BYTES


def max_photo_side() -> int:
    return settings.EVIDENCE_PHOTO_MAX_SIDE


def process_photo(upload: UploadedFile) -> tuple[ContentFile, int, int]:
    """Check ``upload`` is a real image within limits; return a clean JPEG and its size."""
    limit = max_photo_bytes()
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("The photo “%(name)s” is larger than %(limit)d MB.")
            % {"name": upload.name, "limit": limit // (1024 * 1024)},
            code="too_large",
        )
    return image_reencoded(upload, max_side=max_photo_side())

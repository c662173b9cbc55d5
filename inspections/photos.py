"""Evidence photos: accepted by content (Pillow), size-capped, resized and re-encoded.

Re-encoding to JPEG drops EXIF (GPS position, camera serial) and anything hidden after the
image data; the file name is ours, never the uploader's.
"""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}


def max_photo_bytes() -> int:
    return getattr(settings, "EVIDENCE_PHOTO_MAX_BYTES", 5 * 1024 * 1024)


def max_photo_side() -> int:
    return getattr(settings, "EVIDENCE_PHOTO_MAX_SIDE", 1600)


def process_photo(upload: UploadedFile) -> tuple[ContentFile, int, int]:
    """Check ``upload`` is a real image within limits; return a clean JPEG and its size."""
    limit = max_photo_bytes()
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("The photo “%(name)s” is larger than %(limit)d MB.")
            % {"name": upload.name, "limit": limit // (1024 * 1024)},
            code="too_large",
        )
    not_an_image = ValidationError(
        _("“%(name)s” is not a photo (JPEG, PNG, WebP, GIF or BMP).") % {"name": upload.name},
        code="not_image",
    )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise not_an_image
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            if image.width * image.height > 60_000_000:
                raise not_an_image
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((max_photo_side(), max_photo_side()))
            if image.mode not in {"RGB", "L"}:
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85, optimize=True)
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, ValueError):
        raise not_an_image from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg"), width, height

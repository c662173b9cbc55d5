"""Proof files of refusals: checked by their content, capped in size, served only through a view."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# Leading bytes of the formats we accept, and the content type we serve them with.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def proof_max_bytes() -> int:
    return settings.TREATMENT_PROOF_MAX_BYTES


def sniff_content_type(head: bytes) -> str | None:
    for signature, content_type, _extension in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def validate_proof_file(upload: UploadedFile) -> None:
    """Accept a PDF, PNG or JPEG by what the file holds, not by its name; refuse big files."""
    limit = proof_max_bytes()
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {
                "refusal_proof": _("The file is %(size)s MB; at most %(limit)s MB is allowed.")
                % {"size": round(upload.size / 1024 / 1024, 1), "limit": limit // (1024 * 1024)}
            }
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise ValidationError(
            {"refusal_proof": _("Only a PDF file or a photo (JPEG or PNG) can be kept as proof.")}
        )
    if content_type != "application/pdf":
        _verify_image(upload)
    extension = next(ext for _sig, ctype, ext in SIGNATURES if ctype == content_type)
    # The stored name is ours: the extension follows the content, the user's name is dropped.
    upload.name = f"proof.{extension}"


def _verify_image(upload: UploadedFile) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            {"refusal_proof": _("The photo could not be read; it may be damaged.")}
        ) from None
    finally:
        upload.seek(0)

"""Proof files of refusals: checked by their content, capped in size, photos re-encoded without
metadata, served only through a view (PDFs as attachments)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from healthpov.accounts.uploads import image_reencoded

# Leading bytes of the formats we accept, and the content type we serve them with.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


# A photographed form stays legible at this size.
PROOF_PHOTO_MAX_SIDE = 2400


def proof_max_bytes() -> int:
    return settings.TREATMENT_PROOF_MAX_BYTES


def sniff_content_type(head: bytes) -> str | None:
    for signature, content_type, _extension in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def proof_for_storage(upload: UploadedFile) -> File:
    """The file to keep as proof: a PDF as sent, a photo (JPEG or PNG) re-encoded without its
    metadata (:func:`healthpov.accounts.uploads.image_reencoded`); recognised by what the file
    holds, not by its name. Big files, other formats and decompression bombs are refused."""
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
    if content_type == "application/pdf":
        # The stored name is ours: the extension follows the content, the user's name is dropped.
        upload.name = "proof.pdf"
        return upload
    try:
        photo, _width, _height = image_reencoded(upload, max_side=PROOF_PHOTO_MAX_SIDE)
    except ValidationError as error:
        message = (
            error.messages[0]
            if error.code == "too_many_pixels"
            else _("The photo could not be read; it may be damaged.")
        )
        raise ValidationError({"refusal_proof": message}) from None
    photo.name = "proof.jpg"
    return photo

"""Evidence files of remediation items: photos (re-encoded by :mod:`inspections.photos`) and
PDF documents (a scanned notice, a signed rectification report).

A PDF cannot be re-encoded here, so it is accepted only when its bytes say it is one (the
``%PDF-`` header and an ``%%EOF`` trailer), it is within the evidence size limit and it holds
no active content (scripts, launch actions, embedded files). It is stored under a name of
ours and served as a download, never inline.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.translation import gettext as _

from healthpov.accounts.models import User
from healthpov.accounts.uploads import uploaded_file_response, uploaded_photo_response
from inspections.photos import process_photo
from remediation.models import ItemEvidence

PDF_MAGIC = b"%PDF-"
PDF_SUFFIX = ".pdf"
# Names of PDF features that run or carry something besides the document itself.
_ACTIVE_CONTENT = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia)\b")


def _read_head(upload: UploadedFile, size: int) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _check_pdf(upload: UploadedFile) -> ContentFile:
    limit = settings.EVIDENCE_PHOTO_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("The file “%(name)s” is larger than %(limit)d MB.")
            % {"name": upload.name, "limit": limit // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise ValidationError(
            _("The file “%(name)s” is larger than %(limit)d MB.")
            % {"name": upload.name, "limit": limit // (1024 * 1024)},
            code="too_large",
        )
    if not data.startswith(PDF_MAGIC) or b"%%EOF" not in data[-2048:]:
        raise ValidationError(
            _("“%(name)s” is not a complete PDF document.") % {"name": upload.name},
            code="not_pdf",
        )
    if _ACTIVE_CONTENT.search(data):
        raise ValidationError(
            _(
                "“%(name)s” contains scripts or embedded files; print it to a plain PDF "
                "(or photograph it) and attach that."
            )
            % {"name": upload.name},
            code="active_pdf",
        )
    return ContentFile(data, name=f"{uuid.uuid4().hex}{PDF_SUFFIX}")


def process_evidence(upload: UploadedFile) -> tuple[ContentFile, int, int]:
    """A clean file to store for ``upload`` and its pixel size (0×0 for a PDF)."""
    if _read_head(upload, len(PDF_MAGIC)) == PDF_MAGIC:
        return _check_pdf(upload), 0, 0
    try:
        return process_photo(upload)
    except ValidationError as error:
        if error.code != "not_image":
            raise
        raise ValidationError(
            _("“%(name)s” is neither a photo (JPEG, PNG, WebP, GIF or BMP) nor a PDF.")
            % {"name": upload.name},
            code="not_evidence",
        ) from None


def is_pdf(evidence: ItemEvidence) -> bool:
    return evidence.image.name.endswith(PDF_SUFFIX)


def evidence_response(user: User, evidence: ItemEvidence) -> FileResponse:
    """Serve an evidence file whose item ``user`` has already been allowed to see; only to its
    uploader or a user who may reveal personal data, and recorded (healthpov.accounts.uploads).
    """
    if not is_pdf(evidence):
        return uploaded_photo_response(user, evidence)
    return uploaded_file_response(
        user,
        evidence.image,
        uploaded_by_id=evidence.uploaded_by_id,
        content_type="application/pdf",
        filename=f"evidence-{evidence.pk}.pdf",
        as_attachment=True,
    )

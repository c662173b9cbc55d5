import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from inspections.photos import process_photo
from tests.inspections.factories import image_upload


def test_large_photo_is_resized_to_the_cap():
    content, width, height = process_photo(image_upload(size=(4000, 3000)))
    assert (width, height) == (1600, 1200)
    assert Image.open(io.BytesIO(content.read())).size == (1600, 1200)


def test_exif_is_stripped():
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x0131] = "SecretPhoneApp"  # Software
    upload = image_upload(exif=exif)
    assert b"CameraMaker" in upload.read()
    upload.seek(0)
    content, _, _ = process_photo(upload)
    data = content.read()
    assert b"CameraMaker" not in data
    assert not Image.open(io.BytesIO(data)).getexif()


def test_png_is_reencoded_as_jpeg():
    content, _, _ = process_photo(image_upload(name="a.png", fmt="PNG"))
    assert content.name.endswith(".jpg")
    assert Image.open(io.BytesIO(content.read())).format == "JPEG"


def test_text_named_jpg_is_rejected():
    upload = SimpleUploadedFile("photo.jpg", b"this is not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError, match=r"不是照片|is not a photo"):
        process_photo(upload)


def test_truncated_image_is_rejected():
    data = image_upload().read()[:200]
    with pytest.raises(ValidationError):
        process_photo(SimpleUploadedFile("cut.jpg", data))


@override_settings(EVIDENCE_PHOTO_MAX_BYTES=1000)
def test_oversized_photo_is_rejected():
    with pytest.raises(ValidationError) as info:
        process_photo(image_upload(size=(800, 800)))
    assert info.value.code == "too_large"


def test_decompression_bomb_is_refused_with_a_message():
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, format="PNG", optimize=True)
    with pytest.raises(ValidationError, match="像素") as info:
        process_photo(SimpleUploadedFile("bomb.png", buffer.getvalue()))
    assert info.value.code == "too_many_pixels"

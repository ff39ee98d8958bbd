"""The image files of outcome records: checked when they arrive, kept under the clinic's own
media folder named by their content hash, and read back only by views that checked the clinic.

A file is written before its row, so a failed transaction can leave a file no row names; since
names are content hashes, the same upload later reuses it. Files are never deleted (a record
entered in error is voided, and its file stays with it).
"""

import hashlib
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from anagen.core.trichoscopy.image import Image, UnreadableImage, read_image

MAX_BYTES = 25 * 1024 * 1024
# The first bytes of each format read_image accepts, the extension it is stored under, and
# what a browser is told it is.
FORMATS = (
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"II*\x00", "tif", "image/tiff"),
    (b"MM\x00*", "tif", "image/tiff"),
    (b"BM", "bmp", "image/bmp"),
)
BROWSER_TYPES = ("image/jpeg", "image/png", "image/bmp")


@dataclass(frozen=True)
class Upload:
    data: bytes
    name: str
    sha256: str
    extension: str
    pixels: Image

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


def _format(data: bytes) -> tuple[str, str] | None:
    for magic, extension, content_type in FORMATS:
        if data.startswith(magic):
            return extension, content_type
    return None


def read_upload(file: Any, field: str = "file") -> Upload:
    """The uploaded file (a Django ``File`` or bytes), decoded. ValidationError on ``field``
    when there is none, it is too large, or it is not an image that can be read."""
    if file is None:
        raise ValidationError({field: "Choose an image file."})
    name = str(getattr(file, "name", "") or "image").rsplit("/", 1)[-1][:255]
    if isinstance(file, bytes):
        data = file
    else:
        if (getattr(file, "size", 0) or 0) > MAX_BYTES:
            raise ValidationError({field: f"{name} is larger than {MAX_BYTES // 2**20} MB."})
        file.seek(0)
        data = file.read()
    if len(data) > MAX_BYTES:
        raise ValidationError({field: f"{name} is larger than {MAX_BYTES // 2**20} MB."})
    found = _format(data)
    try:
        pixels = read_image(data, name)
    except UnreadableImage as error:
        raise ValidationError({field: str(error)}) from None
    if found is None:  # decodable, but not a format a clinic's device writes
        raise ValidationError({field: f"{name}: use a JPEG, PNG, TIFF or BMP file."})
    digest = hashlib.sha256(data).hexdigest()
    return Upload(data, name, digest, found[0], pixels)


def store(clinic: Any, folder: str, upload: Upload) -> str:
    """Write the file under the clinic's folder (once per content) and return its name."""
    name = f"clinic/{clinic.pk}/{folder}/{upload.sha256}.{upload.extension}"
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(upload.data))
        if saved != name:  # another upload of the same content got there first
            default_storage.delete(saved)
    return name


def read_stored(name: str | None) -> bytes:
    if not name:
        raise FileNotFoundError("the record names no file")
    with default_storage.open(name, "rb") as handle:
        data: bytes = handle.read()
    return data


def for_browser(name: str | None) -> tuple[bytes, str]:
    """The file's bytes and type as a browser can show them: TIFF is converted to PNG."""
    data = read_stored(name)
    found = _format(data)
    if found and found[1] in BROWSER_TYPES:
        return data, found[1]
    pixels = read_image(data, str(name))
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(pixels[:, :, ::-1]))
    if not ok:
        raise ValueError(f"{name} could not be converted for the browser")
    return encoded.tobytes(), "image/png"

"""Avatars and headers. An upload is judged by its content, never by the file name or the
type the client claims; it is decoded, turned upright (EXIF orientation), cropped to
Mastodon's sizes and encoded afresh from bare pixels, so no EXIF, GPS or XMP survives."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

from agora.settings import Settings
from platform_api.errors import unprocessable

SIZES = {"avatar": (400, 400), "header": (1500, 500)}
ACCEPTED = ("JPEG", "PNG", "GIF", "WEBP")


@dataclass(frozen=True)
class ProfileImage:
    data: bytes
    extension: str
    content_type: str


def prepare_profile_image(raw: bytes, kind: str, settings: Settings) -> ProfileImage:
    if len(raw) > settings.max_media_bytes:
        raise unprocessable(f"Validation failed: {kind} is larger than {settings.max_media_bytes} bytes")
    image = _decode(raw, kind, settings)
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = ImageOps.fit(image.convert("RGBA" if has_alpha else "RGB"), SIZES[kind], Image.Resampling.LANCZOS)
    bare = Image.frombytes(image.mode, image.size, image.tobytes())  # pixels only: no metadata carried over
    out = BytesIO()
    if has_alpha:
        bare.save(out, format="PNG", optimize=True)
        return ProfileImage(out.getvalue(), "png", "image/png")
    bare.save(out, format="JPEG", quality=90, optimize=True)
    return ProfileImage(out.getvalue(), "jpg", "image/jpeg")


def _decode(raw: bytes, kind: str, settings: Settings) -> Image.Image:
    invalid = unprocessable(f"Validation failed: {kind} is not a supported image ({', '.join(ACCEPTED)})")
    too_big = unprocessable(f"Validation failed: {kind} has more than {settings.max_image_pixels} pixels")
    try:
        with Image.open(BytesIO(raw)) as probe:  # reads the header only
            if probe.format not in ACCEPTED:
                raise invalid
            if probe.size[0] * probe.size[1] > settings.max_image_pixels:
                raise too_big
            probe.verify()
        image = Image.open(BytesIO(raw))
        image.load()
        return image
    except Image.DecompressionBombError as exc:  # Pillow's own, far higher, limit
        raise too_big from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise invalid from exc

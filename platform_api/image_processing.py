"""Uploaded images, checked by their content (never their name or declared type):
decoded with Pillow under a pixel limit, re-encoded without EXIF (after applying its
orientation), with a small preview, a blurhash, a perceptual hash and Mastodon's ``meta``."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import blurhash
from PIL import Image, ImageOps, UnidentifiedImageError

from platform_api.moderation.media_hash import phash

#: Pillow format -> (MIME type, file extension)
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "GIF": ("image/gif", "gif"),
           "WEBP": ("image/webp", "webp")}
ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}


class MediaRejected(Exception):
    """An upload we refuse; ``status_code`` is 413 (too large) or 422 (not acceptable)."""

    def __init__(self, status_code: int, message: str):
        super().__init__(message)
        self.status_code = status_code
        self.message = message


@dataclass
class ProcessedImage:
    original: bytes
    content_type: str
    extension: str
    preview: bytes  # JPEG
    blurhash: str
    perceptual_hash: str
    meta: dict


def size_meta(width: int, height: int) -> dict:
    return {"width": width, "height": height, "size": f"{width}x{height}",
            "aspect": round(width / height, 6) if height else None}


def declared_mismatch(declared: str | None, actual: str) -> bool:
    """A client-declared type that contradicts the content (absent or generic types are fine)."""
    if not declared:
        return False
    declared = ALIASES.get(declared.split(";")[0].strip().lower(), declared.split(";")[0].strip().lower())
    return declared not in ("application/octet-stream", "binary/octet-stream", actual)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        if isinstance(exc, UnidentifiedImageError):
            raise MediaRejected(422, "Validation failed: the file is not a supported image "
                                     "(JPEG, PNG, GIF or WebP)") from exc
        raise MediaRejected(422, "Validation failed: the image has too many pixels (decompression bomb)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise MediaRejected(422, "Validation failed: the image is corrupt and cannot be read") from exc
    if image.format not in FORMATS:
        raise MediaRejected(422, f"Validation failed: {image.format} images are not supported "
                                 "(JPEG, PNG, GIF or WebP)")
    if width * height > max_pixels:
        raise MediaRejected(422, f"Validation failed: the image is {width}x{height}, more than the "
                                 f"{max_pixels} pixels allowed")
    return image


def _reencode(image: Image.Image, fmt: str) -> bytes:
    """The same picture without metadata (EXIF, GPS, comments): only pixels are copied."""
    out = io.BytesIO()
    if fmt == "GIF":
        frames = getattr(image, "n_frames", 1)
        image.info.pop("comment", None)
        image.save(out, "GIF", save_all=frames > 1, loop=image.info.get("loop", 0),
                   duration=image.info.get("duration", 100))
        return out.getvalue()
    upright = ImageOps.exif_transpose(image)
    clean = Image.new(upright.mode, upright.size)  # a fresh image carries no ``info`` to leak
    if upright.mode == "P":
        clean.putpalette(upright.getpalette())
    clean.paste(upright)
    if fmt == "JPEG":
        if clean.mode not in ("RGB", "L"):
            clean = clean.convert("RGB")
        clean.save(out, "JPEG", quality=90, optimize=True)
    elif fmt == "PNG":
        extra = {"transparency": upright.info["transparency"]} if "transparency" in upright.info else {}
        clean.save(out, "PNG", **extra)
    else:
        clean.save(out, "WEBP", quality=90)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    image = image.convert("RGBA")
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.split()[3])
    return background


def preview_of(image: Image.Image, longest_side: int) -> tuple[bytes, Image.Image]:
    small = _flatten(image)
    small.thumbnail((longest_side, longest_side))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue(), small


def blurhash_of(image: Image.Image) -> str:
    tiny = image.copy()
    tiny.thumbnail((64, 64))
    return blurhash.encode(tiny, 4, 3)


def process_image(data: bytes, *, declared_type: str | None, max_pixels: int, preview_px: int) -> ProcessedImage:
    image = _open(data, max_pixels)
    fmt = image.format
    content_type, extension = FORMATS[fmt]
    if declared_mismatch(declared_type, content_type):
        raise MediaRejected(422, f"Validation failed: the file is {content_type} but was sent as {declared_type}")
    try:
        image.load()
        original = _reencode(image, fmt)
        upright = ImageOps.exif_transpose(image) if fmt != "GIF" else image.convert("RGBA")
        preview, small = preview_of(upright, preview_px)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise MediaRejected(422, "Validation failed: the image is corrupt or truncated") from exc
    meta = {"original": size_meta(*upright.size), "small": size_meta(*small.size)}
    return ProcessedImage(original, content_type, extension, preview, blurhash_of(small), phash(small), meta)

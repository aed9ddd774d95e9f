"""Media blocklist: pHash robustness and matching cost.

Robustness: Hamming distances between an image's hash (computed as uploads compute it: on the
400 px preview) and the hashes of transformed copies, against distances between unrelated
images. Images: scikit-learn's two sample photographs plus 60 synthetic scenes (smooth random
fields with discs, seeded). Matching: one query against blocklists of 1k-1M random hashes,
vectorised popcount (what uploads use) against a per-row Python loop (the baseline), same run.
"""

from __future__ import annotations

import io
import time

import numpy as np
from PIL import Image, ImageEnhance

from bench.common import save_result
from platform_api.image_processing import process_image
from platform_api.moderation.media_hash import hamming_distances, parse_hash

PREVIEW_PX = 400


def _scene(seed: int, size=(640, 480)) -> Image.Image:
    rng = np.random.default_rng(seed)
    image = Image.fromarray((rng.random((6, 8, 3)) * 255).astype(np.uint8)).resize(size, Image.Resampling.BICUBIC)
    pixels = np.asarray(image).copy()
    yy, xx = np.mgrid[:size[1], :size[0]]
    for _ in range(4):
        cx, cy, r = rng.integers(0, size[0]), rng.integers(0, size[1]), rng.integers(20, 120)
        pixels[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] = rng.integers(0, 256, size=3)
    return Image.fromarray(pixels)


def _images() -> list[Image.Image]:
    from sklearn.datasets import load_sample_images

    photos = [Image.fromarray(a) for a in load_sample_images().images]
    return photos + [_scene(seed) for seed in range(60)]


def _encode(image: Image.Image, fmt: str = "PNG", **save) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, fmt, **save)
    return out.getvalue()


def _crop(image: Image.Image, share: float) -> Image.Image:
    w, h = image.size
    return image.crop((int(w * share), int(h * share), int(w * (1 - share)), int(h * (1 - share))))


TRANSFORMS = {
    "jpeg_q70": lambda im: _encode(im, "JPEG", quality=70),
    "resize_50pct_jpeg_q70": lambda im: _encode(im.resize((im.width // 2, im.height // 2)), "JPEG", quality=70),
    "resize_25pct": lambda im: _encode(im.resize((im.width // 4, im.height // 4))),
    "brightness_1.15": lambda im: _encode(ImageEnhance.Brightness(im).enhance(1.15)),
    "contrast_0.8": lambda im: _encode(ImageEnhance.Contrast(im).enhance(0.8)),
    "crop_2pct_each_side": lambda im: _encode(_crop(im, 0.02), "JPEG", quality=85),
    "crop_3pct_each_side": lambda im: _encode(_crop(im, 0.03), "JPEG", quality=85),
    "crop_5pct_each_side": lambda im: _encode(_crop(im, 0.05), "JPEG", quality=85),
    "mirrored": lambda im: _encode(im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
}


def _hash(data: bytes) -> int:
    return parse_hash(process_image(data, declared_type=None, max_pixels=10**9, preview_px=PREVIEW_PX).perceptual_hash)


def _summary(values) -> dict:
    v = np.asarray(values)
    return {"n": int(len(v)), "min": int(v.min()), "p50": float(np.percentile(v, 50)),
            "p90": float(np.percentile(v, 90)), "max": int(v.max()),
            **{f"share_le_{t}": round(float((v <= t).mean()), 3) for t in (8, 10, 12)}}


def robustness() -> dict:
    images = _images()
    originals = np.array([_hash(_encode(im)) for im in images], dtype=np.uint64)
    out = {}
    for name, transform in TRANSFORMS.items():
        copies = [_hash(transform(im)) for im in images]
        out[name] = _summary([int(hamming_distances(originals[i:i + 1], c)[0]) for i, c in enumerate(copies)])
    unrelated = [int(d) for i in range(len(originals)) for d in hamming_distances(originals[i + 1:], int(originals[i]))]
    out["unrelated_pairs"] = _summary(unrelated)
    return out


def matching(sizes=(1_000, 100_000, 1_000_000), repeats: int = 20) -> dict:
    rng = np.random.default_rng(0)
    out = {}
    for n in sizes:
        hashes = rng.integers(0, np.iinfo(np.uint64).max, size=n, dtype=np.uint64, endpoint=True)
        query = int(hashes[n // 2]) ^ 0b1011
        began = time.perf_counter()
        for _ in range(repeats):
            vectorised = int(hamming_distances(hashes, query).min())
        vector_ms = (time.perf_counter() - began) / repeats * 1000
        as_ints = [int(h) for h in hashes[:min(n, 100_000)]]
        began = time.perf_counter()
        looped = min(bin(h ^ query).count("1") for h in as_ints)
        loop_ms = (time.perf_counter() - began) * 1000 * (n / len(as_ints))  # extrapolated past 100k rows
        assert vectorised == 3 and (n > 100_000 or looped == 3)
        out[str(n)] = {"vectorised_ms": round(vector_ms, 3), "python_loop_ms": round(loop_ms, 1),
                       "speedup": round(loop_ms / vector_ms, 1)}
    return out


def main() -> None:
    save_result("media_hash", {"hash": "pHash 64-bit (DCT 8x8 of 32x32 greyscale) of the 400 px preview",
                               "distances": robustness(), "matching": matching()})


if __name__ == "__main__":
    main()

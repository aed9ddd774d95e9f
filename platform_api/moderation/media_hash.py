"""Perceptual hashes of images and the in-memory index of blocked hashes.

pHash (64-bit): the image in greyscale at 32×32, its 2-D DCT, and one bit per coefficient of
the 8×8 lowest frequencies — above or below their median. Low frequencies survive resizing,
JPEG recompression, small crops and brightness changes, so near-duplicates land within a few
bits of each other while unrelated pictures differ in about half of the 64 (measured figures in
``docs/models-moderation.md``). Matching is a vectorised popcount of XORs over a ``uint64``
array: one numpy call for the whole blocklist.
"""

from __future__ import annotations

import threading

import numpy as np
from PIL import Image

HASH_BITS = 64
_SIDE = 32
_LOW = 8


def _dct_matrix(n: int) -> np.ndarray:
    """The orthonormal DCT-II matrix: ``C @ X @ C.T`` is the 2-D DCT of ``X`` (scipy's ``norm="ortho"``)."""
    k, i = np.arange(n)[:, None], np.arange(n)[None, :]
    matrix = np.sqrt(2.0 / n) * np.cos(np.pi * (2 * i + 1) * k / (2 * n))
    matrix[0] /= np.sqrt(2.0)
    return matrix


_DCT = _dct_matrix(_SIDE)[:_LOW]  # only the lowest frequencies are kept


def phash(image: Image.Image) -> str:
    """The 64-bit DCT perceptual hash of ``image`` as 16 hex digits."""
    grey = np.asarray(image.convert("L").resize((_SIDE, _SIDE), Image.Resampling.LANCZOS), dtype=np.float64)
    low = np.round(_DCT @ grey @ _DCT.T, 6)  # symmetric pictures have exact ties: no float noise decides them
    bits = (low > np.median(low)).ravel()
    return f"{int(np.packbits(bits).view('>u8')[0]):016x}"


def parse_hash(text: str) -> int:
    """A 16-hex-digit hash as an int; ``ValueError`` otherwise."""
    text = text.strip().lower()
    if len(text) != 16:
        raise ValueError("a perceptual hash is 16 hexadecimal digits (64 bits)")
    return int(text, 16)


def hamming_distances(hashes: np.ndarray, query: int) -> np.ndarray:
    """Bits differing between ``query`` and every entry of the ``uint64`` array ``hashes``."""
    return np.bitwise_count(hashes ^ np.uint64(query)).astype(np.int64)


class BlockedHashIndex:
    """The blocklist's hashes in a numpy array, reloaded when the table's version token
    (row count and newest id) changes — cheap to check per upload, and correct across API
    processes without any messaging."""

    def __init__(self):
        self._lock = threading.Lock()
        self._token: tuple | None = None
        self._ids = np.empty(0, dtype=np.int64)
        self._hashes = np.empty(0, dtype=np.uint64)

    def refresh(self, token: tuple, load) -> None:
        """``load()`` returns ``[(block_id, hex_hash), …]``; it is called only if ``token`` changed."""
        if token == self._token:
            return
        with self._lock:
            if token == self._token:
                return
            rows = load()
            self._ids = np.array([r[0] for r in rows], dtype=np.int64)
            self._hashes = np.array([parse_hash(r[1]) for r in rows], dtype=np.uint64)
            self._token = token

    def nearest(self, hex_hash: str) -> tuple[int, int] | None:
        """``(block_id, distance)`` of the closest blocked hash, or ``None`` if the list is empty."""
        ids, hashes = self._ids, self._hashes
        if len(hashes) == 0:
            return None
        distances = hamming_distances(hashes, parse_hash(hex_hash))
        best = int(distances.argmin())
        return int(ids[best]), int(distances[best])


_indexes: dict[str, BlockedHashIndex] = {}


def blocked_hash_index(database_url: str) -> BlockedHashIndex:
    """One index per database (tests run several in one process)."""
    return _indexes.setdefault(database_url, BlockedHashIndex())

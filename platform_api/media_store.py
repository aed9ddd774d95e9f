"""Where uploaded files live. One interface, ``MediaStore``; the local-disk store keeps files
under ``settings.media_dir`` and the app serves them at ``/media/<key>``. An S3-compatible
store only has to implement the same four methods (and return its own public URLs).

Keys are relative paths such as ``media_attachments/1234/original.jpg`` or
``accounts/avatars/5678.png``; the database stores the key, never an absolute path."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from agora.settings import Settings

_KEY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")


class MediaStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def url(self, key: str) -> str: ...


def _check_key(key: str) -> str:
    if not _KEY_RE.match(key) or ".." in key.split("/"):
        raise ValueError(f"invalid media key: {key!r}")
    return key


class LocalMediaStore:
    """Files on local disk; written to a temporary name and renamed, so readers never see half a file."""

    def __init__(self, root: Path, base_url: str):
        self.root = Path(root)
        self.base_url = base_url.rstrip("/")

    def path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def put(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def url(self, key: str) -> str:
        return f"{self.base_url}/media/{key}"


def media_store(settings: Settings) -> MediaStore:
    """The configured store (local disk today)."""
    return LocalMediaStore(settings.media_dir, settings.api_url)

"""Uploaded videos: recognised by their bytes (MP4/QuickTime ``ftyp`` box, WebM/Matroska
EBML header), thumbnailed with ffmpeg when the machine has it, else given a placeholder."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

FFMPEG_TIMEOUT_S = 60


def sniff_video(data: bytes) -> tuple[str, str] | None:
    """(MIME type, extension) of a video we accept, or ``None``."""
    if len(data) >= 12 and data[4:8] == b"ftyp":
        return ("video/quicktime", "mov") if data[8:12] == b"qt  " else ("video/mp4", "mp4")
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "video/webm", "webm"
    return None


def placeholder_thumbnail(width: int = 400, height: int = 225) -> Image.Image:
    image = Image.new("RGB", (width, height), (40, 44, 52))
    draw = ImageDraw.Draw(image)
    cx, cy, r = width // 2, height // 2, min(width, height) // 5
    draw.polygon([(cx - r // 2, cy - r), (cx - r // 2, cy + r), (cx + r, cy)], fill=(220, 220, 220))
    return image


def _probe(path: Path) -> dict:
    if shutil.which("ffprobe") is None:
        return {}
    result = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                             "stream=width,height,duration", "-of", "json", str(path)],
                            capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False)
    streams = json.loads(result.stdout or b"{}").get("streams") or [{}]
    return streams[0]


def video_thumbnail(data: bytes, extension: str) -> tuple[Image.Image, dict]:
    """A frame from the start of the video (or the placeholder) and what is known of its size."""
    if shutil.which("ffmpeg") is None:
        return placeholder_thumbnail(), {}
    with tempfile.TemporaryDirectory() as tmp:
        source, frame = Path(tmp) / f"in.{extension}", Path(tmp) / "frame.png"
        source.write_bytes(data)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), "-frames:v", "1", str(frame)],
                       capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False)
        info = _probe(source)
        if not frame.exists():
            return placeholder_thumbnail(), info
        return Image.open(io.BytesIO(frame.read_bytes())).convert("RGB"), info

"""Mastodon Marker JSON, keyed by timeline."""

from __future__ import annotations

from platform_api.serializers.account import iso_datetime
from platform_api.tables import Marker


def serialize_markers(markers: dict[str, Marker]) -> dict:
    return {timeline: {"last_read_id": str(m.last_read_id), "version": m.version,
                       "updated_at": iso_datetime(m.updated_at)}
            for timeline, m in markers.items()}

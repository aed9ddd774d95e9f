"""Wire shape of ``GET /api/v1/agora/analytics/statuses/:id`` (an Agora extension, not Mastodon)."""

from __future__ import annotations

from platform_api.services.show_status_analytics import StatusAnalytics

COUNTS = ("impressions", "likes", "replies", "reposts", "clicks")


def _rate(counts: dict) -> float | None:
    """(likes + replies + reposts + clicks) / impressions; None without impressions."""
    if not counts["impressions"]:
        return None
    return (counts["likes"] + counts["replies"] + counts["reposts"] + counts["clicks"]) / counts["impressions"]


def serialize_status_analytics(found: StatusAnalytics) -> dict:
    hourly = [{"hour": h.hour.isoformat().replace("+00:00", "Z"), **{c: getattr(h, c) for c in COUNTS}}
              for h in found.hours]
    totals = {c: sum(h[c] for h in hourly) for c in COUNTS}
    creator = None
    if found.creator is not None:
        creator = {"account_id": str(found.creator.author_id), "posts_engaged": found.creator.posts_engaged,
                   **{c: getattr(found.creator, c) for c in COUNTS},
                   "engagement_rate": found.creator.engagement_rate}
    return {"status_id": str(found.status.id), "hourly": hourly, "totals": totals,
            "engagement_rate": _rate(totals), "creator": creator}

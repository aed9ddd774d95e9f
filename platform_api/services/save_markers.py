from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agora.events import EventType
from platform_api.errors import ApiError
from platform_api.ids import utcnow
from platform_api.repositories import markers, outbox
from platform_api.tables import Account, Marker

TIMELINES = ("home", "notifications")


class SaveMarkers:
    """Move the account's read markers (``{"home": id, "notifications": id}``); each save
    bumps the marker's ``version`` and records ``marker.saved``."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, account: Account, positions: dict[str, int]) -> dict[str, Marker]:
        saved = {}
        for timeline, last_read_id in positions.items():
            if timeline not in TIMELINES:
                continue  # Mastodon ignores unknown timelines
            marker = markers.get(self.session, account_id=account.id, timeline=timeline)
            if marker is None:
                marker = self._create(account, timeline, last_read_id)
            else:
                marker.last_read_id, marker.version, marker.updated_at = last_read_id, marker.version + 1, utcnow()
            outbox.record_event(self.session, EventType.MARKER_SAVED, actor_id=account.id,
                                status_id=last_read_id if timeline == "home" else None,
                                payload={"timeline": timeline, "last_read_id": last_read_id})
            saved[timeline] = marker
        return saved

    def _create(self, account: Account, timeline: str, last_read_id: int) -> Marker:
        marker = Marker(account_id=account.id, timeline=timeline, last_read_id=last_read_id, version=0,
                        updated_at=utcnow())
        try:
            with self.session.begin_nested():
                self.session.add(marker)
        except IntegrityError as exc:  # another request created it first
            raise ApiError(409, "Conflict during update, please try again") from exc
        return marker

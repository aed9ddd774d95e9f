from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.repositories import relationships
from platform_api.tables import Account


@dataclass
class FeedQuery:
    """Everything a stage may know about the request."""

    session: Session
    settings: Settings
    viewer: Account
    now: float
    ranker_alias: str = "champion"   # the ranker model the scorer asks for (an experiment arm may say challenger)
    status_rows: dict[int, tuple] = field(default_factory=dict)  # statuses.visibility_rows read so far, by id
    failed_sources: list[str] = field(default_factory=list)     # sources that failed and returned nothing
    _followees: dict[int, int] | None = field(default=None, repr=False)

    def followees_reach(self) -> dict[int, int]:
        """The accounts the viewer follows → their followers counts, read once per request
        (the in-network source, social proof, the embeddings source and network balance all ask)."""
        if self._followees is None:
            self._followees = relationships.followees_reach(self.session, account_id=self.viewer.id)
        return self._followees

    def followee_ids(self) -> set[int]:
        return set(self.followees_reach())

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.tables import Account


@dataclass
class FeedQuery:
    """Everything a stage may know about the request."""

    session: Session
    settings: Settings
    viewer: Account
    now: float
    ranker_alias: str = "champion"   # the ranker model the scorer asks for (an experiment arm may say challenger)
    usernames: dict[int, str] = field(default_factory=dict)  # filled lazily by stages that explain

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from agora.settings import Settings
from platform_api.errors import unprocessable
from platform_api.input_schemas import StoryCreate
from platform_api.moderation.moderator import Moderator
from platform_api.schemas import StatusCreate
from platform_api.services.post_status import PostStatus
from platform_api.tables import Account, Status


class PostStory:
    """A story: a media post for the author's followers (``private``) that expires after
    ``story_hours``. It never enters home feeds or public timelines; once expired it is gone
    from every read path (``VisibleStatuses`` drops expired statuses). Its text is moderated
    like a post's when a ``moderator`` is given."""

    def __init__(self, session: Session, settings: Settings, moderator: Moderator | None = None):
        self.session = session
        self.settings = settings
        self.moderator = moderator

    def __call__(self, account: Account, params: StoryCreate) -> Status:
        if not params.media_ids:
            raise unprocessable("Validation failed: a story needs at least one media attachment")
        status = PostStatus(self.session, self.settings, self.moderator)(account, StatusCreate(
            status=params.status, media_ids=params.media_ids, visibility="private", sensitive=params.sensitive,
            spoiler_text=params.spoiler_text))
        status.is_story = True
        status.expires_at = status.created_at + timedelta(hours=self.settings.story_hours)
        return status

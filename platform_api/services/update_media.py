from __future__ import annotations

import json

from sqlalchemy.orm import Session

from platform_api.input_schemas import MediaUpdate
from platform_api.services.upload_media import focus_meta
from platform_api.tables import MediaAttachment


class UpdateMedia:
    """Change an unattached upload's description (alt text) or focal point."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, media: MediaAttachment, params: MediaUpdate) -> MediaAttachment:
        if params.description is not None:
            media.description = params.description
        if params.focus is not None:
            meta = json.loads(media.meta) if media.meta else {}
            media.meta = json.dumps({**meta, **focus_meta(params.focus)})
        return media

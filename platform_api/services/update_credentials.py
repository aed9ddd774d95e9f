from __future__ import annotations

import uuid

from sqlalchemy import event
from sqlalchemy.orm import Session

from agora.events import EventType
from agora.settings import Settings
from platform_api.errors import unprocessable
from platform_api.media_store import media_store
from platform_api.profile_images import prepare_profile_image
from platform_api.repositories import outbox
from platform_api.tables import Account

MAX_DISPLAY_NAME_CHARS = 30
MAX_NOTE_CHARS = 500


class UpdateCredentials:
    """Change the account's own profile. ``None`` leaves a field alone. A new avatar or
    header is checked and cleaned (``profile_images``), stored under a fresh key (so its URL
    changes) and the replaced file is deleted once the change has committed."""

    def __init__(self, session: Session, settings: Settings):
        self.session = session
        self.settings = settings

    def __call__(self, account: Account, *, display_name: str | None = None, note: str | None = None,
                 locked: bool | None = None, bot: bool | None = None, discoverable: bool | None = None,
                 avatar: bytes | None = None, header: bytes | None = None) -> Account:
        self._validate(display_name, note)
        fields = {"display_name": display_name, "note": note, "locked": locked, "bot": bot,
                  "discoverable": discoverable}
        changed = [name for name, value in fields.items() if value is not None and getattr(account, name) != value]
        for name in changed:
            setattr(account, name, fields[name])
        for kind, raw in (("avatar", avatar), ("header", header)):
            if raw is not None:
                self._replace_image(account, kind, raw)
                changed.append(kind)
        if changed:
            outbox.record_event(self.session, EventType.ACCOUNT_UPDATED, actor_id=account.id,
                                payload={"fields": changed})
        return account

    def _validate(self, display_name: str | None, note: str | None) -> None:
        if display_name is not None and len(display_name) > MAX_DISPLAY_NAME_CHARS:
            raise unprocessable(f"Validation failed: display_name is too long "
                                f"(maximum is {MAX_DISPLAY_NAME_CHARS} characters)")
        if note is not None and len(note) > MAX_NOTE_CHARS:
            raise unprocessable(f"Validation failed: note is too long (maximum is {MAX_NOTE_CHARS} characters)")

    def _replace_image(self, account: Account, kind: str, raw: bytes) -> None:
        image = prepare_profile_image(raw, kind, self.settings)
        store = media_store(self.settings)
        key = f"accounts/{kind}s/{account.id}/{uuid.uuid4().hex}.{image.extension}"
        store.put(key, image.data)
        column = f"{kind}_path"
        previous = getattr(account, column)
        setattr(account, column, key)
        if previous:
            event.listen(self.session, "after_commit", lambda _session: store.delete(previous), once=True)

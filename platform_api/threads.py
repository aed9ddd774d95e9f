"""A status's thread as the viewer may see it (``GET /api/v1/statuses/:id/context``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from platform_api.read_filters import VisibleWithOriginals
from platform_api.repositories import threads
from platform_api.tables import Account, Status


class StatusContext:
    """Ancestors (root first) and descendants (depth-first, in reply order). A reply the
    viewer may not see is dropped together with everything below it."""

    def __init__(self, session: Session):
        self.session = session

    def __call__(self, status: Status, viewer: Account | None) -> tuple[list[Status], list[Status]]:
        visible = VisibleWithOriginals(self.session, viewer)
        ancestors = visible(threads.ancestors(self.session, status=status))
        if status.conversation_id is None:
            return ancestors, []
        replies = threads.replies_in_conversation(self.session, conversation_id=status.conversation_id,
                                                  after_id=status.id)
        shown = {s.id for s in visible(replies)}
        children: dict[int, list[Status]] = {}
        for reply in replies:
            children.setdefault(reply.in_reply_to_id, []).append(reply)
        descendants: list[Status] = []
        stack = list(reversed(children.get(status.id, [])))
        while stack:
            node = stack.pop()
            if node.id not in shown:
                continue
            descendants.append(node)
            stack.extend(reversed(children.get(node.id, [])))
        return ancestors, descendants

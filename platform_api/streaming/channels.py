"""Channel names (what publishers address) and Mastodon stream names (what clients ask for)."""

from __future__ import annotations

from dataclasses import dataclass

PUBLIC_STREAMS = ("public", "public:local", "public:remote", "public:media", "public:local:media",
                  "public:remote:media")
HASHTAG_STREAMS = ("hashtag", "hashtag:local")
PRIVATE_STREAMS = ("user", "user:notification", "direct")


def user(account_id: int) -> str:
    return f"timeline:{account_id}"


def notifications(account_id: int) -> str:
    return f"timeline:{account_id}:notifications"


def direct(account_id: int) -> str:
    return f"timeline:direct:{account_id}"


def public(*, local: bool = False, media: bool = False) -> str:
    return "timeline:public" + (":local" if local else "") + (":media" if media else "")


def hashtag(tag: str, *, local: bool = False) -> str:
    return f"timeline:hashtag:{tag.lower()}" + (":local" if local else "")


@dataclass(frozen=True)
class StreamRequest:
    """One subscription: the Mastodon stream name and its label, and the channels that feed it."""

    stream: str
    label: tuple[str, ...]
    channels: tuple[str, ...]


class StreamError(ValueError):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def resolve(stream: str, viewer_id: int | None, *, tag: str | None = None, only_media: bool = False) -> StreamRequest:
    """Map a Mastodon stream name (``user``, ``public:local``, ``hashtag`` + tag …) to channels.
    Every account here is local, so ``public`` and ``public:local`` carry the same posts and
    the ``remote`` streams are valid but silent."""
    if stream in PRIVATE_STREAMS:
        if viewer_id is None:
            raise StreamError("Access token is required for this stream", 401)
        channel = {"user": user, "user:notification": notifications, "direct": direct}[stream](viewer_id)
        return StreamRequest(stream, (stream,), (channel,))
    if stream in PUBLIC_STREAMS:
        if only_media and not stream.endswith(":media"):
            stream += ":media"
        if ":remote" in stream:
            return StreamRequest(stream, (stream,), ())
        channel = public(local=":local" in stream, media=stream.endswith(":media"))
        return StreamRequest(stream, (stream,), (channel,))
    if stream in HASHTAG_STREAMS:
        name = (tag or "").lstrip("#").strip()
        if not name:
            raise StreamError("No tag for stream provided")
        return StreamRequest(stream, (stream, name), (hashtag(name, local=stream.endswith(":local")),))
    raise StreamError("Unknown stream type")

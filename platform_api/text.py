"""Status text → Mastodon-style sanitised HTML, plus the hashtags and mentions it contains.

The text is HTML-escaped first, so nothing a user types is ever markup; links, hashtags
and mentions are then wrapped the way Mastodon renders them, and nh3 is the last guard."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import nh3

HASHTAG_RE = re.compile(r"(?<![\w/#])#([^\W_][\w]{0,99})", re.UNICODE)
MENTION_RE = re.compile(r"(?<![\w/@])@([A-Za-z0-9_]{1,64})(?:@[\w.-]+)?")
URL_RE = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
TOKEN_RE = re.compile("|".join(f"(?P<{name}>{rx.pattern})" for name, rx in
                               (("url", URL_RE), ("tag", HASHTAG_RE), ("mention", MENTION_RE))), re.UNICODE)

ALLOWED_TAGS = {"p", "br", "a", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href", "class", "rel", "target"}, "span": {"class"}}


@dataclass
class RenderedText:
    html: str
    tags: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)


def extract_tags(text: str) -> list[str]:
    return list(dict.fromkeys(m.lower() for m in HASHTAG_RE.findall(text)))


def extract_mentions(text: str) -> list[str]:
    return list(dict.fromkeys(m.lower() for m in MENTION_RE.findall(text)))


def render_status(text: str, base_url: str, known_usernames: set[str] | None = None) -> RenderedText:
    """Render ``text``; mentions link only when the account exists (``known_usernames``)."""
    known = {u.lower() for u in (known_usernames or set())}
    tags, mentions = [], []

    def _render_line(line: str) -> str:
        out, pos = [], 0
        for match in TOKEN_RE.finditer(line):
            out.append(html.escape(line[pos:match.start()]))
            pos = match.end()
            token = match.group(0)
            if match.group("url"):
                href = html.escape(token, quote=True)
                out.append(f'<a href="{href}" rel="nofollow noopener noreferrer" target="_blank">'
                           f"{html.escape(token)}</a>")
            elif match.group("tag"):
                name = token[1:]
                tags.append(name.lower())
                out.append(f'<a href="{base_url}/tags/{html.escape(name.lower())}" class="mention hashtag" '
                           f'rel="tag">#<span>{html.escape(name)}</span></a>')
            else:
                username = token[1:].split("@")[0]
                if username.lower() in known:
                    mentions.append(username.lower())
                    out.append(f'<span class="h-card"><a href="{base_url}/@{html.escape(username)}" '
                               f'class="u-url mention">@<span>{html.escape(username)}</span></a></span>')
                else:
                    out.append(html.escape(token))
        out.append(html.escape(line[pos:]))
        return "".join(out)

    paragraphs = [p for p in re.split(r"\n{2,}", text.strip()) if p]
    rendered = "".join("<p>" + "<br />".join(_render_line(line) for line in p.split("\n")) + "</p>"
                       for p in paragraphs)
    safe = nh3.clean(rendered, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel=None)
    return RenderedText(safe, list(dict.fromkeys(tags)), list(dict.fromkeys(mentions)))


def plain_text(text: str) -> str:
    """Inert text for places that show raw user strings (display names)."""
    return html.escape(text)

"""The policy and the model service behind it, as one object the API keeps for its lifetime."""

from __future__ import annotations

import time
from collections.abc import Sequence

from agora.settings import Settings
from platform_api.moderation.metrics import MODERATION_FALLBACKS, MODERATION_SECONDS
from platform_api.moderation.policy import Policy, Verdict, load_policy
from serving.moderation.client import ModerationClient, ModerationUnavailable


def moderation_text(text: str, spoiler_text: str = "") -> str:
    """What the model reads: the content warning is part of what readers see."""
    return f"{spoiler_text}\n{text}".strip() if spoiler_text else text


class Moderator:
    """Classify texts with the ``moderation`` service and decide with the policy.

    ``judge`` raises :class:`ModerationUnavailable` when the service is down or slower than the
    budget; the write path then accepts the post as pending (see ``ModerateStatus``)."""

    def __init__(self, client: ModerationClient, policy: Policy):
        self.client = client
        self.policy = policy

    @classmethod
    def from_settings(cls, settings: Settings) -> Moderator:
        client = ModerationClient(settings.moderation_url, timeout_s=settings.moderation_timeout_ms / 1000)
        return cls(client, load_policy(settings.moderation_policy_path))

    def judge(self, texts: Sequence[str], *, timeout_s: float | None = None) -> list[Verdict]:
        results = self.client.classify(texts, timeout_s=timeout_s)
        return [self.policy.decide(r.scores, r.model) for r in results]

    def judge_inline(self, text: str) -> Verdict | None:
        """The verdict within the budget, or ``None`` (counted as a fallback) when there is none.
        A post without text (media only) has no text signals: the policy decides on none."""
        if not text.strip():
            return self.policy.decide({})
        started = time.perf_counter()
        try:
            return self.judge([text])[0]
        except ModerationUnavailable as exc:
            MODERATION_FALLBACKS.labels(exc.reason).inc()
            return None
        finally:
            MODERATION_SECONDS.observe(time.perf_counter() - started)

    def close(self) -> None:
        self.client.close()

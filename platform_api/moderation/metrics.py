from prometheus_client import Counter, Histogram

#: Verdicts applied to posts, by action and by path (inline on the request, async by the worker,
#: moderator by a report decision).
MODERATION_DECISIONS = Counter("agora_moderation_decisions_total", "Moderation verdicts applied to posts",
                               ["action", "path"])
#: Posts accepted as pending because the model service was unavailable (reason: timeout, error, open).
MODERATION_FALLBACKS = Counter("agora_moderation_fallbacks_total", "Posts accepted pending classification",
                               ["reason"])
MODERATION_SECONDS = Histogram("agora_moderation_inline_seconds", "Inline moderation call (classify + policy)",
                               buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1))

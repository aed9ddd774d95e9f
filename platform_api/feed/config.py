"""The home feed, as configuration: which stages run, in order, with their caps."""

from __future__ import annotations

from dataclasses import dataclass, field

from platform_api.feed.explain import ReasonWriter
from platform_api.feed.filters.duplicates import DuplicateFilter
from platform_api.feed.filters.previously_seen import PreviouslySeenFilter
from platform_api.feed.filters.visibility import VisibilityFilter
from platform_api.feed.heuristics.author_diversity import AuthorDiversityRescorer
from platform_api.feed.heuristics.feedback_fatigue import FeedbackFatigueRescorer
from platform_api.feed.heuristics.network_balance import NetworkBalanceRescorer
from platform_api.feed.scorers.chronological import ChronologicalScorer
from platform_api.feed.scorers.model import ModelScorer
from platform_api.feed.selectors.top_scored import TopScoredSelector
from platform_api.feed.sources.embedding_neighbours import EmbeddingNeighboursSource
from platform_api.feed.sources.in_network import InNetworkSource
from platform_api.feed.sources.popular_in_topics import PopularInTopicsSource
from platform_api.feed.sources.social_proof import SocialProofSource
from platform_api.feed.usernames import KnownUsernames


@dataclass
class FeedConfig:
    sources: list = field(default_factory=list)
    filters: list = field(default_factory=list)
    scorer: object = None
    fallback_scorer: object = None
    heuristics: list = field(default_factory=list)   # rescore model scores; skipped on fallback
    selector: object = None
    explainer: object = None


def home_feed_config(ranker_client, retrieval_client=None, *, seen_hours: float = 48,
                     max_out_of_network_share: float = 0.5) -> FeedConfig:
    usernames = KnownUsernames()    # the reasons' @names, shared by the stages that write them
    return FeedConfig(
        sources=[InNetworkSource(cap=500), SocialProofSource(cap=300, usernames=usernames),
                 PopularInTopicsSource(cap=300)]
        + ([EmbeddingNeighboursSource(retrieval_client, cap=500)] if retrieval_client else []),
        filters=[DuplicateFilter(), PreviouslySeenFilter(hours=seen_hours), VisibilityFilter()],   # cheap ones first
        scorer=ModelScorer(ranker_client),
        fallback_scorer=ChronologicalScorer(),
        heuristics=[FeedbackFatigueRescorer(days=14, floor=0.2), AuthorDiversityRescorer(decay=0.5, floor=0.25),
                    NetworkBalanceRescorer(max_share=max_out_of_network_share)],
        selector=TopScoredSelector(cap=400),
        explainer=ReasonWriter(usernames),
    )

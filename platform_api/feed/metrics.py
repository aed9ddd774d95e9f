from prometheus_client import Counter, Histogram

FEED_REQUESTS = Counter("agora_feed_requests_total", "Home feed rankings computed", ["ranking"])
FEED_FALLBACKS = Counter("agora_feed_fallbacks_total", "Rankings that fell back to chronological", ["reason"])
FEED_STAGE_SECONDS = Histogram("agora_feed_stage_seconds", "Time per feed stage", ["stage"],
                               buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
FEED_CANDIDATES = Histogram("agora_feed_candidates", "Candidates scored per ranking",
                            buckets=(10, 50, 100, 250, 500, 1000, 2000, 5000))
#: hit / stale: the page came from a cached list; miss: ranked afresh (or a later page whose list expired).
FEED_CACHE = Counter("agora_feed_cache_total", "Ranked home pages by where their list came from", ["result"])
FEED_SOURCE_FAILURES = Counter("agora_feed_source_failures_total",
                               "Candidate sources that failed and returned nothing", ["source"])
FEED_RANKING_POOL_FAILURES = Counter("agora_feed_ranking_pool_failures_total",
                                     "Rankings the ranking processes could not do (ranked in the API process instead)")
FEED_REFRESHES = Counter("agora_feed_refreshes_total", "Background refreshes of ranked lists",
                         ["result"])   # done, fallback, failed, coalesced, dropped
#: The home timeline handler's time per page (the list, the visibility re-check, rendering), by where
#: the list came from: cached, ranked (the pipeline ran: a miss) or chronological. Server-side and
#: per request, so a miss's cost is seen apart from the pages the cache answers.
FEED_PAGE_SECONDS = Histogram("agora_feed_page_seconds", "Home timeline pages, time in the handler", ["list"],
                              buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1,
                                       2.5))

"""The one settings object. Every knob is an ``AGORA_*`` environment variable.

All state lives under ``AGORA_HOME`` (default ``./.agora``): the database, the event
lake, feature tables, the Feast registry and online store, MLflow's database and
artifacts, and media. Two homes with two port sets run side by side.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGORA_", extra="ignore")

    home: Path = Field(default=Path(".agora"))
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # API processes (uvicorn workers). More than one needs AGORA_REDIS_URL: each viewer's ranked
    # list must be shared, or a later page asked of another process would find none.
    api_workers: int = Field(default=1, ge=1)
    serving_host: str = "127.0.0.1"
    serving_port: int = 3000
    database_url: str | None = None
    redis_url: str | None = None
    mlflow_tracking_uri: str | None = None
    spark_master: str = "local[*]"
    feast_repo: Path = Field(default=REPO_ROOT / "features")
    # Feast online store: "sqlite" (a file under AGORA_HOME) or "redis" (AGORA_FEAST_REDIS_URL,
    # default AGORA_REDIS_URL; features/store.py writes it into the repo config).
    feast_online_store: Literal["sqlite", "redis"] = "sqlite"
    feast_redis_url: str | None = None
    # The ranker service's hot-row cache in front of Feast (serving/ranker/hydration.py): a row read
    # from the online store is reused until its view is materialized again, and for this long at
    # most. Snapshot views change only when materialized; views fed by a push source (live post
    # counters) change without it and must show a push within seconds.
    ranker_cache_seconds: float = 3600.0
    ranker_live_cache_seconds: float = 5.0
    ranker_cache_max_rows: int = 500_000  # per feature view; a full view starts over

    # Social core
    registrations_open: bool = True
    fanout_threshold: int = 10_000
    max_status_chars: int = 500
    max_media_bytes: int = 16 * 1024 * 1024
    instance_title: str = "Agora"
    instance_domain: str = "localhost"

    # Feed
    # A fail-safe, not the latency target (`make bench` measures that): past it the feed falls back.
    ranker_timeout_ms: int = 1000
    feed_cache_seconds: int = 180        # a viewer's ranked list is served from cache this long at most
    feed_refresh_seconds: int = 30       # older than this, it is still served but recomputed in the background
    # Processes that run the feed pipeline's cache misses for each API process, so a ranking does
    # not hold the GIL its pages need; 0 runs every ranking in the request's (or refresher's) thread.
    feed_ranking_processes: int = Field(default=1, ge=0)
    # With ranking processes, background refreshes get one more, this much lower in CPU priority.
    feed_refresh_nice: int = Field(default=10, ge=0, le=19)
    # Served items are logged as impressions in one transaction per this interval; 0: one per page.
    feed_impression_flush_seconds: float = Field(default=0.25, ge=0)
    home_feed_cap: int = 800             # entries kept per account in the Redis home-feed sorted set
    redis_key_prefix: str = "agora:"     # every Redis key and channel starts with it (tests use a throwaway one)

    # Retrieval (two-tower + FAISS) and the feed's experiments
    retrieval_host: str = "127.0.0.1"
    retrieval_port: int = 3003
    retrieval_timeout_ms: int = 300      # past it the embeddings source returns nothing (the feed still answers)
    retrieval_k: int = 1000              # neighbours asked of the index per viewer (before dropping in-network)
    index_days: int = 14                 # posts younger than this go into the retrieval index
    seen_hours: int = 48                 # posts served to the viewer this recently are not shown again
    max_out_of_network_share: float = 0.5
    experiments_file: Path | None = None  # YAML of A/B experiments (docs/experiments.md); none: no experiment

    # Request admission (platform_api/rate_limit.py). Mastodon's defaults: 300 requests per
    # 5 minutes per access token, and per IP for requests without one.
    rate_limit_requests: int = 300
    rate_limit_window_seconds: int = 300
    max_request_bytes: int = 80 * 1024 * 1024  # above the largest upload (video: 4 x max_media_bytes)

    # Media and stories
    media_preview_px: int = 400          # longest side of the small preview
    max_image_pixels: int = 16_777_216   # width x height above this is a decompression bomb (Mastodon's limit)
    media_block_distance: int = 10       # pHash bits (of 64) within which an upload matches a blocked image
    story_hours: int = 24

    # Streaming
    stream_heartbeat_seconds: float = 15.0

    # Moderation (platform_api/moderation/): the policy file, the BentoML ``moderation`` service,
    # the inline budget past which a post is accepted as pending and classified by the worker.
    moderation_policy_path: Path | None = None   # default: platform_api/moderation/policy.yaml
    moderation_host: str = "127.0.0.1"
    moderation_port: int = 3001
    moderation_timeout_ms: int = 150
    moderation_worker_seconds: float = 2.0      # how often the API's worker looks for pending posts
    #: How often the API replays fan-outs left pending (by a crash), and how old such a row must
    #: be first, so a worker that is still running is not raced.
    distribution_sweep_seconds: float = 30.0

    # Follow suggestions: the BentoML ``follow-suggest`` service and the API's latency budget
    # for it; past the budget /api/v2/suggestions falls back to friends of friends.
    suggest_host: str = "127.0.0.1"
    suggest_port: int = 3002
    suggest_timeout_ms: int = 300

    def model_post_init(self, __context) -> None:  # noqa: D401 - pydantic hook
        self.home = self.home.expanduser().resolve()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'agora.db'}"

    @property
    def mlflow_uri(self) -> str:
        return self.mlflow_tracking_uri or f"sqlite:///{self.home / 'mlflow.db'}"

    @property
    def mlflow_artifacts(self) -> Path:
        return self.home / "mlartifacts"

    @property
    def lake_dir(self) -> Path:
        return self.home / "lake"

    @property
    def events_dir(self) -> Path:
        return self.lake_dir / "events"

    @property
    def feature_tables_dir(self) -> Path:
        return self.home / "feature_tables"

    @property
    def feast_data_dir(self) -> Path:
        return self.home / "feast"

    @property
    def media_dir(self) -> Path:
        return self.home / "media"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def metrics_multiprocess_dir(self) -> Path:
        """Where several API workers keep their Prometheus samples (prometheus_client's
        multiprocess mode), for ``/metrics`` to sum them."""
        return self.home / "prometheus-multiproc"

    @property
    def retrieval_url(self) -> str:
        return f"http://{self.retrieval_host}:{self.retrieval_port}"

    @property
    def serving_url(self) -> str:
        return f"http://{self.serving_host}:{self.serving_port}"

    @property
    def moderation_url(self) -> str:
        return f"http://{self.moderation_host}:{self.moderation_port}"

    @property
    def suggest_url(self) -> str:
        return f"http://{self.suggest_host}:{self.suggest_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.api_host}:{self.api_port}"

    def ensure_dirs(self) -> None:
        for path in (self.home, self.lake_dir, self.feature_tables_dir, self.feast_data_dir,
                     self.media_dir, self.mlflow_artifacts):
            path.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    """Tests change ``AGORA_*`` variables between cases; this forgets the cached object."""
    get_settings.cache_clear()

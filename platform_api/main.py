"""The API application: Mastodon-compatible routes, the feed pipeline, metrics."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

import anyio
import structlog
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from starlette.responses import Response

from agora.heap import freeze_startup_heap
from agora.settings import Settings, get_settings
from platform_api import __version__
from platform_api.db import create_schema
from platform_api.errors import install_error_handlers
from platform_api.feed.experiments import HomeFeedExperiment
from platform_api.feed.ranking_pool import RankingPool, api_feed_pipeline
from platform_api.feed.refresher import FeedRefresher
from platform_api.feed.shared_page_cache import ranked_page_cache
from platform_api.feed.side_effects.impressions import ImpressionLog
from platform_api.moderation.moderator import Moderator
from platform_api.moderation.worker import pending_moderation_lifespan
from platform_api.rate_limit import install_request_limits
from platform_api.routers import accounts, feed_feedback, instance, oauth, statuses, timelines
from platform_api.routers import (
    admin, blocks_mutes, conversations, follow_requests, markers, notifications, reports, suggestions,
)
from platform_api.routers import media, search, stories, streaming, trends
from platform_api.routers import analytics
from platform_api.routers import admin_media
from platform_api.streaming.hub import activate as activate_streaming
from platform_api.web import install_web
from platform_api.workers import distribution_sweeper_lifespan

log = structlog.get_logger("agora.api")


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    structlog.configure(processors=[structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt="iso"),
                                    structlog.processors.JSONRenderer()])


@asynccontextmanager
async def _background_workers(app):
    """While the app serves: posts accepted unmoderated get classified, and fan-outs a crash
    left pending get replayed. At start the feed's ranking processes start (or, without them, the
    feed's shared lists begin loading here, in the background), and what the app built is frozen
    out of the garbage collector's full passes. At the end, the impressions still queued are written."""
    pool = app.state.ranking_pool
    if not await _ranking_processes_started(pool):
        app.state.feed_pipeline.warm(app.state.settings)      # rankings run in this process
    try:
        async with pending_moderation_lifespan(app), distribution_sweeper_lifespan(app):
            freeze_startup_heap()
            yield
    finally:
        await anyio.to_thread.run_sync(app.state.impressions.close)
        if pool is not None:
            await anyio.to_thread.run_sync(pool.close)


async def _ranking_processes_started(pool: RankingPool | None) -> bool:
    if pool is None:
        return False
    try:
        await anyio.to_thread.run_sync(pool.start)
    except Exception:  # noqa: BLE001 - without its ranking processes the API ranks in its own threads
        log.exception("feed_ranking_pool_failed_to_start")
        pool.close()
        return False
    return True


def create_app(settings: Settings | None = None) -> FastAPI:
    from serving.ranker.client import RankerClient
    from serving.retrieval.client import RetrievalClient
    from serving.suggest.client import SuggestClient

    settings = settings or get_settings()
    settings.ensure_dirs()
    create_schema(settings)
    app = FastAPI(title="Agora", version=__version__, lifespan=_background_workers,
                  description="A Mastodon-compatible social API whose home feed is ranked by a trained model.")
    app.state.settings = settings
    app.state.moderator = Moderator.from_settings(settings)  # a bad policy file stops startup here
    app.state.ranker_client = RankerClient(settings.serving_url, timeout_s=settings.ranker_timeout_ms / 1000)
    app.state.suggest_client = SuggestClient(settings.suggest_url, timeout_s=settings.suggest_timeout_ms / 1000)
    app.state.retrieval_client = RetrievalClient(settings.retrieval_url, timeout_s=settings.retrieval_timeout_ms / 1000)
    app.state.feed_pipeline = api_feed_pipeline(settings, app.state.ranker_client, app.state.retrieval_client)
    processes = settings.feed_ranking_processes
    app.state.ranking_pool = RankingPool(settings, processes) if processes else None
    app.state.experiment = HomeFeedExperiment.from_file(settings.experiments_file)
    app.state.feed_cache = ranked_page_cache(settings)
    app.state.impressions = ImpressionLog(settings, settings.feed_impression_flush_seconds)
    app.state.feed_refresher = FeedRefresher(settings, app.state.feed_pipeline, app.state.feed_cache,
                                             pool=app.state.ranking_pool)
    install_error_handlers(app)
    install_request_limits(app, settings)
    for module in (instance, oauth, accounts, statuses, timelines, follow_requests, blocks_mutes, notifications,
                   markers, conversations, suggestions, reports, admin, media, stories, search, trends, streaming,
                   feed_feedback, analytics, admin_media):
        app.include_router(module.router)
    app.state.hub = activate_streaming(settings)
    app.mount("/media", StaticFiles(directory=settings.media_dir, check_dir=False), name="media")
    install_web(app)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        # Not keyed on PROMETHEUS_MULTIPROC_DIR: importing feast.metrics sets it in any process.
        if settings.api_workers == 1:
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
        registry = CollectorRegistry()           # several API workers: every worker's samples, summed
        multiprocess.MultiProcessCollector(registry, path=str(settings.metrics_multiprocess_dir))
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/health", include_in_schema=False)
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def root():
        return RedirectResponse("/web/")

    return app


def create_worker_app() -> FastAPI:
    """The app of one of several uvicorn workers (``AGORA_API_WORKERS``): each worker is a new
    process, so it configures its own structured logging before building the app."""
    configure_logging()
    return create_app()

"""``agora serve``: the API and the model services on whatever ``$AGORA_HOME`` holds."""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from agora.processes import ServiceGroup


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="run the API and the model services")
    parser.add_argument("what", nargs="?", choices=["all", "api", "ranker", "moderation", "suggest", "retrieval", "reload"], default="all",
                        help="everything (default), only the API, only the ranker, moderation or suggest service, or "
                             "'reload': make the running model services load their current @champion")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agora.settings import get_settings

    settings = get_settings()
    if args.what == "api":
        return serve_api(settings)
    if args.what == "reload":
        return max(reload_service("ranker", settings.serving_url), reload_service("moderation", settings.moderation_url),
                   reload_service("suggest", settings.suggest_url),
                   reload_service("retrieval", settings.retrieval_url))
    group = ServiceGroup(settings)
    if args.what in ("all", "ranker"):
        group.start_ranker()
    if args.what == "moderation" or (args.what == "all" and has_moderation_champion()):
        group.start_moderation()
    if args.what == "retrieval" or (args.what == "all" and (settings.index_dir / "meta.json").exists()):
        group.start_retrieval()  # in "all" only once `agora index build` has run: it needs the index
    if args.what in ("all", "suggest"):
        group.start_suggest()
    if args.what == "all":
        group.start_api()
    group.print_urls()
    return group.wait()


def has_moderation_champion() -> bool:
    """Without a ``moderation-text@champion`` the service cannot start; the API then accepts
    every post as pending (classified once a model is served: ``agora moderation backfill``)."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from models.registry import configure_mlflow

    configure_mlflow("moderation")
    try:
        MlflowClient().get_model_version_by_alias("moderation-text", "champion")
        return True
    except MlflowException:
        print("no moderation-text@champion registered (agora moderation train): not starting the moderation "
              "service; posts are accepted as pending until one is served", file=sys.stderr)
        return False


def serve_api(settings) -> int:
    """One process by default; ``AGORA_API_WORKERS=N`` runs N uvicorn workers, each building the
    app from the same environment (``create_worker_app`` as factory), sharing the caches through Redis."""
    import uvicorn

    from platform_api.main import configure_logging, create_app

    configure_logging()
    if settings.api_workers == 1:
        uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_level="warning")
        return 0
    if not settings.redis_url:
        print(f"AGORA_API_WORKERS={settings.api_workers} needs AGORA_REDIS_URL: the workers share each viewer's "
              "ranked list through Redis (with one process per worker a later page would find no list)",
              file=sys.stderr)
        return 2
    metrics_dir = settings.metrics_multiprocess_dir      # read by each worker's prometheus_client at
    shutil.rmtree(metrics_dir, ignore_errors=True)       # import: samples go to files there, and
    metrics_dir.mkdir(parents=True)                      # /metrics sums them
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    uvicorn.run("platform_api.main:create_worker_app", factory=True, workers=settings.api_workers,
                host=settings.api_host, port=settings.api_port, log_level="warning")
    return 0


def reload_service(name: str, url: str) -> int:
    """Tell a running model service to load its newest champion. No service running is not an
    error: a service that starts later loads the champion anyway."""
    import httpx

    try:
        response = httpx.post(f"{url}/reload", json={}, timeout=120)
    except httpx.ConnectError:
        print(f"no {name} service at {url}; nothing to reload")
        return 0
    if response.status_code != 200:
        print(f"{name} reload failed: {response.status_code} {response.text}")
        return 1
    print(f"{name} service now serves {response.json()['model']}")
    return 0

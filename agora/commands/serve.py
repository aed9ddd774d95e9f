"""``agora serve``: the API and the model services on whatever ``$AGORA_HOME`` holds."""

from __future__ import annotations

import argparse

from agora.processes import ServiceGroup


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="run the API and the model services")
    parser.add_argument("what", nargs="?", choices=["all", "api", "ranker", "reload"], default="all",
                        help="everything (default), only the API, only the ranker service, or 'reload': "
                             "make the running ranker service load the current @champion")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agora.settings import get_settings

    settings = get_settings()
    if args.what == "api":
        return serve_api(settings)
    if args.what == "reload":
        return reload_ranker(settings)
    group = ServiceGroup(settings)
    if args.what in ("all", "ranker"):
        group.start_ranker()
    if args.what == "all":
        group.start_api()
    group.print_urls()
    return group.wait()


def serve_api(settings) -> int:
    import uvicorn

    from platform_api.main import configure_logging, create_app

    configure_logging()
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_level="warning")
    return 0


def reload_ranker(settings) -> int:
    """Tell a running ranker service to load the newest champion. No service running is not an
    error: a service that starts later loads the champion anyway."""
    import httpx

    try:
        response = httpx.post(f"{settings.serving_url}/reload", json={}, timeout=120)
    except httpx.ConnectError:
        print(f"no ranker service at {settings.serving_url}; nothing to reload")
        return 0
    if response.status_code != 200:
        print(f"reload failed: {response.status_code} {response.text}")
        return 1
    print(f"ranker service now serves {response.json()['model']}")
    return 0

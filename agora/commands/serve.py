"""``agora serve``: the API and the model services on whatever ``$AGORA_HOME`` holds."""

from __future__ import annotations

import argparse

from agora.processes import ServiceGroup


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="run the API and the model services")
    parser.add_argument("what", nargs="?", choices=["all", "api", "ranker"], default="all",
                        help="everything (default), only the API, or only the ranker service")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from agora.settings import get_settings

    settings = get_settings()
    if args.what == "api":
        return serve_api(settings)
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

"""``agora demo``: from an empty ``$AGORA_HOME`` to a served, model-ranked home feed.

world → export → Spark features → Feast apply/materialize → train ranker and follow suggestions →
serve (BentoML + API), then prints the URLs and an example ``curl`` and stays up until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import sys
import time


def register(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="generate a world, run the pipeline, train, serve")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-serve", action="store_true", help="stop after writing the credentials")
    parser.set_defaults(handler=run)


def _step(title: str, argv: list[str]) -> None:
    from agora.cli import main

    started = time.time()
    print(f"\n==> {title}: agora {' '.join(argv)}", file=sys.stderr, flush=True)
    code = main(argv)
    if code:
        raise SystemExit(f"step failed ({title}) with exit code {code}")
    print(f"    done in {time.time() - started:.1f} s", file=sys.stderr, flush=True)


def write_demo_credentials(settings) -> dict:
    """A fresh token for the demo user, saved where scripts can read it."""
    from platform_api.db import session_scope
    from platform_api.repositories import accounts
    from platform_api.services.issue_token import IssueToken
    from platform_api.world.generate import DEMO_PASSWORD, DEMO_USERNAME

    with session_scope(settings) as session:
        account = accounts.by_username(session, username=DEMO_USERNAME)
        secret, _ = IssueToken(session)(application=None, account=account, scopes="read write follow")
    credentials = {"base_url": settings.api_url, "access_token": secret, "username": DEMO_USERNAME,
                   "password": DEMO_PASSWORD}  # to sign in on the web client
    path = settings.home / "demo_credentials.json"
    path.write_text(json.dumps(credentials, indent=2))
    return credentials


def run(args: argparse.Namespace) -> int:
    from agora.processes import ServiceGroup
    from agora.settings import get_settings
    from platform_api.db import create_schema, session_scope
    from platform_api.tables import Account
    from platform_api.world.generate import DEMO_USERNAME

    settings = get_settings()
    settings.ensure_dirs()
    create_schema(settings)
    with session_scope(settings) as session:
        empty = session.query(Account.id).first() is None
    if empty:
        _step("synthetic world", ["world", "generate", "--users", str(args.users), "--seed", str(args.seed)])
    else:
        print(f"reusing the world already in {settings.home}", file=sys.stderr)
    _step("outbox -> event lake", ["pipeline", "export"])
    _step("Spark feature tables", ["pipeline", "features"])
    _step("Feast apply", ["features", "apply"])
    _step("Feast materialize", ["features", "materialize"])
    _step("train the ranker", ["train", "ranker"])
    _step("train follow suggestions", ["train", "suggest"])
    credentials = write_demo_credentials(settings)
    print(f"\ndemo credentials: {settings.home / 'demo_credentials.json'}", file=sys.stderr)
    if args.no_serve:
        return 0
    group = ServiceGroup(settings)
    group.start_ranker()
    group.start_suggest()
    group.start_api()
    ready = group.wait_ready()
    if not all(ready.values()):
        print(f"not every service came up: {ready}; see {settings.home / 'logs'}", file=sys.stderr)
        group.stop()
        return 1
    group.print_urls()
    print("\nTry the ranked home feed of the demo user:\n"
          f"  curl -i -H \"Authorization: Bearer {credentials['access_token']}\" "
          f"{settings.api_url}/api/v1/timelines/home\n"
          "(the response carries X-Agora-Ranking: model and an \"agora\" object on every status)\n"
          f"or open {settings.api_url}/web/ and sign in as {DEMO_USERNAME} / {credentials['password']}\n"
          "Press Ctrl-C to stop.", flush=True)
    return group.wait()

"""``agora db``: schema migrations (Alembic), and replaying fan-outs a crash left pending."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser("db", help="database schema")
    sub = parser.add_subparsers(dest="db_command", required=True)
    sub.add_parser("upgrade", help="migrate the database to the newest schema").set_defaults(handler=upgrade)
    revision = sub.add_parser("revision", help="autogenerate a migration from the ORM tables")
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(handler=make_revision)
    replay = sub.add_parser("redistribute", help="fan out the statuses whose fan-out a crash left pending "
                                                 "(the API also does this when it starts)")
    replay.add_argument("--older-than", type=float, default=0, metavar="SECONDS",
                        help="only rows at least this old (leave in-flight fan-outs of a running API alone)")
    replay.set_defaults(handler=redistribute)


def upgrade(_args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from platform_api.migrations import upgrade_to_head

    upgrade_to_head(get_settings())
    return 0


def make_revision(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from platform_api.migrations import new_revision

    new_revision(get_settings(), args.message)
    return 0


def redistribute(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from platform_api.workers import redistribute_pending

    print(f"redistributed {redistribute_pending(get_settings(), older_than_seconds=args.older_than)} statuses")
    return 0

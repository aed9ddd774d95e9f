"""``agora db``: schema migrations (Alembic)."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser("db", help="database schema")
    sub = parser.add_subparsers(dest="db_command", required=True)
    sub.add_parser("upgrade", help="migrate the database to the newest schema").set_defaults(handler=upgrade)
    revision = sub.add_parser("revision", help="autogenerate a migration from the ORM tables")
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(handler=make_revision)


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

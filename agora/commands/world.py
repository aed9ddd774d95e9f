"""``agora world generate``: the synthetic world for demos, tests and offline evaluation."""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("world", help="synthetic world")
    sub = parser.add_subparsers(dest="world_command", required=True)
    gen = sub.add_parser("generate", help="generate accounts, follows, posts and engagements")
    gen.add_argument("--users", type=int, default=1000)
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--days", type=int, default=14)
    gen.add_argument("--bulk", action="store_true",
                     help="vectorised draw + bulk SQL, for large worlds (100k+ accounts; no spam accounts)")
    gen.set_defaults(handler=generate)


def generate(args: argparse.Namespace) -> int:
    from agora.settings import get_settings

    if args.bulk:
        return generate_bulk(args)
    from platform_api.world.generate import GenerateWorld, WorldConfig

    summary = GenerateWorld(get_settings(), WorldConfig(users=args.users, seed=args.seed, days=args.days))()
    print(f"world: {summary.accounts} accounts, {summary.follows} follows, {summary.statuses} statuses, "
          f"{summary.engagements} engagement events in {summary.seconds:.1f} s", file=sys.stderr)
    return 0


def generate_bulk(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from platform_api.world.bulk import BulkWorldConfig, GenerateBulkWorld

    summary = GenerateBulkWorld(get_settings(), BulkWorldConfig(users=args.users, seed=args.seed, days=args.days))()
    print(f"bulk world: {summary.accounts} accounts, {summary.follows} follows, {summary.statuses} statuses, "
          f"{summary.engagements} engagement events, {summary.home_feed_entries} home-feed entries, "
          f"{summary.outbox_events} outbox events in {summary.seconds:.1f} s", file=sys.stderr)
    return 0

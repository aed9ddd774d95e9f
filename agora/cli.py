"""The ``agora`` console script. Each command group lives in ``agora/commands/<group>.py``
and exposes ``register(subparsers)``; heavy imports stay inside the handlers so
``agora --help`` is instant."""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_GROUPS = [
    "world", "pipeline", "features", "train", "index", "evaluate", "serve", "demo",
    "accounts", "moderation", "suggest", "experiments", "db",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agora", description="Agora: an ML-centric social platform.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        try:
            module = importlib.import_module(f"agora.commands.{group}")
        except ModuleNotFoundError as exc:
            if exc.name == f"agora.commands.{group}":
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    result = args.handler(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())

"""``agora index``: the retrieval model's FAISS index of post vectors.

    agora index build    embed every recent post with the champion's post tower (daily DAG)
    agora index update   add the lake's new posts the index lacks (cheap; hourly DAG, after export)

Both tell a running retrieval service to load the new index (``/reload``). ``update`` with no
index yet, or with an index a newer champion must rebuild, says so and exits 0: nothing to extend."""

from __future__ import annotations

import argparse
import json
import time


def register(subparsers) -> None:
    group = subparsers.add_parser("index", help="Build or extend the retrieval index (FAISS).")
    sub = group.add_subparsers(dest="index_command", required=True)
    sub.add_parser("build", help="rebuild the index from the recent posts").set_defaults(handler=_build)
    sub.add_parser("update", help="add the lake's new posts the index lacks").set_defaults(handler=_update)


def _build(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from models.retrieval.build_index import build_index

    settings = get_settings()
    started = time.perf_counter()
    index = build_index(settings)
    print(json.dumps({"index": str(settings.index_dir), "model": index.meta.model, "posts": index.meta.count,
                      "watermark": index.meta.watermark, "kind": index.meta.kind, "quality": index.meta.quality,
                      "seconds": round(time.perf_counter() - started, 1)}, indent=2))
    _reload_service(settings)
    return 0


def _update(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from models.retrieval.build_index import IndexNotExtendable, update_index

    settings = get_settings()
    try:
        index, added = update_index(settings)
    except IndexNotExtendable as exc:
        print(json.dumps({"added": 0, "skipped": str(exc)}))
        return 0
    print(json.dumps({"added": added, "posts": index.meta.count, "watermark": index.meta.watermark}))
    _reload_service(settings)
    return 0


def _reload_service(settings) -> None:
    """No service running is fine: one that starts later loads the index from disk anyway."""
    import httpx

    try:
        httpx.post(f"{settings.retrieval_url}/reload", json={}, timeout=120).raise_for_status()
        print(f"retrieval service at {settings.retrieval_url} reloaded")
    except httpx.HTTPError:
        pass

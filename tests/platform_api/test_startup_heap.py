"""The API freezes what it built at start out of the garbage collector's full passes."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient


def test_the_api_freezes_its_startup_heap_once_it_serves(app):
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        assert gc.get_freeze_count() > 10_000     # modules, mappers, the app: all of it
        assert client.get("/api/v1/instance").status_code == 200

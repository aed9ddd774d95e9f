"""Python entry points to the Feast repo in this folder (listed in ``.feastignore``).

``feature_store.yaml`` stays the one description of the infrastructure; here its
``${AGORA_HOME}`` is replaced by ``settings.home`` (absolute) instead of relying on the
environment, so a relative or default home works the same as with the feast CLI.
"""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import UTC, datetime

from agora.settings import Settings, get_settings

#: The feature service the ranker is trained and served with.
RANKER_FEATURE_SERVICE = "ranker_v3"
#: Request-time inputs of the feature services (not stored in Feast).
REQUEST_FIELDS = ("age_seconds",)
#: Modules ``feast apply`` imports (every .py file not in .feastignore), by their top-level names.
DEFINITION_MODULES = ("entities", "sources", "account_views", "post_views", "affinity_views",
                      "topic_views", "feature_services")


def repo_config(settings: Settings):
    import yaml
    from feast.repo_config import RepoConfig

    text = (settings.feast_repo / "feature_store.yaml").read_text()
    raw = yaml.safe_load(text.replace("${AGORA_HOME}", str(settings.home)))
    if settings.feast_online_store == "redis":
        raw["online_store"] = {"type": "redis", "connection_string": redis_connection_string(settings)}
    config = RepoConfig(**raw)
    config.repo_path = settings.feast_repo
    return config


def redis_connection_string(settings: Settings) -> str:
    """``redis://host:port/db`` (AGORA_FEAST_REDIS_URL, else AGORA_REDIS_URL) in Feast's form,
    ``host:port,db=N[,password=…][,ssl=true]``."""
    from urllib.parse import urlsplit

    url = settings.feast_redis_url or settings.redis_url
    if not url:
        raise ValueError("AGORA_FEAST_ONLINE_STORE=redis needs AGORA_FEAST_REDIS_URL or AGORA_REDIS_URL")
    parts = urlsplit(url)
    options = [f"{parts.hostname or '127.0.0.1'}:{parts.port or 6379}", f"db={parts.path.strip('/') or 0}"]
    if parts.password:
        options.append(f"password={parts.password}")
    if parts.scheme == "rediss":
        options.append("ssl=true")
    return ",".join(options)


def feature_store(settings: Settings):
    """A ``FeatureStore`` for ``settings.home`` (registry + online store under ``$AGORA_HOME/feast``)."""
    from feast import FeatureStore

    settings.feast_data_dir.mkdir(parents=True, exist_ok=True)
    return FeatureStore(repo_path=str(settings.feast_repo), config=repo_config(settings))


def apply(settings: Settings) -> None:
    """``feast apply``: register the definitions in this folder into ``settings.home``'s registry.

    The FileSource paths come from ``get_settings()`` when ``sources.py`` is imported, so
    ``settings`` must describe the same home as the environment (``AGORA_HOME``).
    """
    from feast.repo_operations import apply_total

    if get_settings().home != settings.home:
        raise ValueError(f"AGORA_HOME points at {get_settings().home}, not {settings.home}: "
                         "set it (and reset_settings_cache()) before applying")
    settings.feast_data_dir.mkdir(parents=True, exist_ok=True)
    with _inside_repo(settings):
        apply_total(repo_config(settings), settings.feast_repo, skip_source_validation=False)


def materialize(settings: Settings, end: datetime | None = None, *, full: bool = False) -> None:
    """``feast materialize-incremental``: load snapshot rows newer than the last run into the
    online store. ``full`` reloads every view's whole TTL window instead (``feast materialize``),
    which is needed after a view gains a feature: incremental runs skip rows already covered."""
    store = feature_store(settings)
    end = end or datetime.now(UTC)
    if not full:
        store.materialize_incremental(end_date=end)
        return
    for view in store.list_feature_views():
        store.materialize(start_date=end - view.ttl, end_date=end, feature_views=[view.name])


@contextlib.contextmanager
def _inside_repo(settings: Settings):
    """What the feast CLI arranges: cwd = repo, repo on ``sys.path``, definitions imported afresh
    (their module objects are cached per process, and ``sources`` captured the home)."""
    repo = str(settings.feast_repo)
    cwd, bytecode = os.getcwd(), sys.dont_write_bytecode
    added = repo not in sys.path
    if added:
        sys.path.append(repo)
    for name in DEFINITION_MODULES:
        sys.modules.pop(name, None)
    try:
        yield
    finally:
        os.chdir(cwd)
        sys.dont_write_bytecode = bytecode  # feast turns it off while importing the repo
        if added:
            sys.path.remove(repo)
